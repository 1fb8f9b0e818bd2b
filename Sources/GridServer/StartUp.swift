import Dispatch
import Foundation
import Logging
import Synchronization

/// The server's start-up, step by step, and a bound on how long SIGTERM or SIGINT takes to end
/// the process at any moment of it. Each step is logged as it begins (at notice) and named again
/// when it runs past its expected time (a warning every `slowAfter`). A signal before the
/// server listens ends the process at once (nothing to drain: a migration or import in
/// progress rolls back); once it listens, the service group drains (the GPS queue, requests in
/// flight) and the process is ended anyway `bound` after the signal.
///
/// Its own handler is installed first, before any step, so a server whose parent left SIGTERM
/// ignored (dispositions survive exec) is still ended by it: a plain signal handler that
/// writes the signal's number to a pipe, read by a thread of its own, until the dispatch
/// signal sources installed with it take over (dispatch registers them some time after they
/// are resumed; with the signal ignored meanwhile, as before, a signal 20 ms into the start-up
/// of a loaded machine was lost and the server kept running). The service group's sources,
/// installed later, see the same signals.
public final class StartUp: Sendable {
    public static let shared = StartUp()

    private struct State {
        var step = "starting"
        var since = ContinuousClock.now
        var deadline: Duration?
        var warned = Duration.zero
        var serving = false
    }

    private let state = Mutex(State())
    /// Kept alive for the process's life; written once, by `install`, before any other thread
    /// could read it.
    nonisolated(unsafe) private var sources: [any DispatchSourceSignal] = []
    private let logger = Mutex<Logger?>(nil)
    private let portFile = Mutex<String?>(nil)

    /// How long a step may take before it is named in a warning, and how long a signal may
    /// take to end the process.
    public let slowAfter: Duration = .seconds(30)
    public let bound: Duration = .seconds(10)

    /// Installs the signal sources and the slow-step watch. With `portFile`, the port the
    /// server listens on is written there once it listens (with port 0, the system chose it).
    public func install(logger: Logger, portFile: String? = nil) {
        self.logger.withLock { $0 = logger }
        self.portFile.withLock { $0 = portFile }
        let fd = signalPipe.read
        Thread.detachNewThread { [self] in
            var byte: UInt8 = 0
            while read(fd, &byte, 1) == 1 { received(Int32(byte)) }
        }
        for signo in [SIGTERM, SIGINT] {
            // The handler first: dispatch puts its own in place when it registers the source,
            // some time after `resume`; until then this one catches the signal.
            signal(signo) { signo in
                var byte = UInt8(truncatingIfNeeded: signo)
                _ = write(signalPipe.write, &byte, 1)
            }
            let source = DispatchSource.makeSignalSource(signal: signo, queue: .global())
            source.setEventHandler { [self] in received(signo) }
            source.resume()
            sources.append(source)
        }
        watchSlowSteps()
    }

    /// A step begins (logged at notice). Past its `deadline` the process ends with an error
    /// naming it (status 70), for a supervisor to start it again: a step with no bound of its
    /// own (reading a large database) has none.
    public func step(_ name: String, deadline: Duration? = nil) {
        state.withLock { $0 = State(step: name, since: .now, deadline: deadline, serving: $0.serving) }
        logger.withLock { $0 }?.notice("start-up: \(name)")
    }

    /// The server listens on `port`: a signal now drains before the process ends.
    public func serving(port: Int?) {
        state.withLock { $0.serving = true; $0.step = "serving"; $0.since = .now }
        logger.withLock { $0 }?.notice("start-up: listening on port \(port.map(String.init) ?? "?")")
        guard let file = portFile.withLock({ $0 }), let port else { return }
        // Written whole, then renamed: a reader never sees half a number.
        do {
            try Data("\(port)\n".utf8).write(to: URL(fileURLWithPath: file), options: .atomic)
        } catch {
            logger.withLock { $0 }?.error("start-up: cannot write the port to \(file): \(error)")
        }
    }

    private func received(_ signo: Int32) {
        let (step, serving) = state.withLock { ($0.step, $0.serving) }
        let name = signo == SIGTERM ? "SIGTERM" : "SIGINT"
        let log = logger.withLock { $0 }
        guard serving else {
            log?.notice("\(name) during start-up (\(step)): exiting")
            Self.end(128 + signo)
        }
        log?.notice("\(name): draining, at most \(bound) more")
        let seconds = Double(bound.components.seconds)
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) {
            log?.error("\(name) \(Int(seconds)) s ago and not yet drained (\(self.state.withLock { $0.step })): exiting anyway")
            Self.end(128 + signo)
        }
    }

    /// Every second until the server listens: a warning each `slowAfter` a step runs on, and
    /// the end of the process past a step's deadline.
    private func watchSlowSteps() {
        DispatchQueue.global().asyncAfter(deadline: .now() + 1) { [self] in
            let now = ContinuousClock.now
            let (s, warn) = state.withLock { s -> (State, Bool) in
                let warn = now - s.since >= s.warned + slowAfter
                if warn { s.warned += slowAfter }
                return (s, warn)
            }
            guard !s.serving else { return }
            let log = logger.withLock { $0 }
            if let deadline = s.deadline, now - s.since > deadline {
                log?.error("start-up: \(s.step) did not finish within \(deadline): exiting")
                Self.end(70)
            }
            if warn { log?.warning("start-up: still \(s.step) after \(now - s.since)") }
            watchSlowSteps()
        }
    }

    private static func end(_ status: Int32) -> Never {
        fflush(nil)  // every output stream
        _exit(status)
    }
}

/// The pipe the signal handler writes a signal's number to (made before the handler is set).
private let signalPipe: (read: Int32, write: Int32) = {
    var fds: [Int32] = [-1, -1]
    _ = pipe(&fds)
    return (fds[0], fds[1])
}()
