import Foundation
import Synchronization
import Testing

/// A process a test starts: a server, nginx, a script, the CLI. Spawned with `posix_spawn` and
/// reaped by `waitpid` on a thread of its own, so that
/// - waiting for it holds no thread of the tests' pool (two on two cores: two tests blocked
///   in Foundation's `waitUntilExit` stalled every other test, a Task.sleep of 20 ms once
///   returned after 100 s);
/// - its end is seen even when it left a child of its own running (Foundation's `Process`
///   learns of an exit from a socket it passes down, which such a child keeps open);
/// - its output goes to files of its own, never to the test process's (a process left running
///   would hold `swift test`'s pipe open, and the run would wait for ever);
/// - it leads a process group of its own, and `stop()` sends SIGTERM to the group and SIGKILL
///   after a grace: a script's servers, nginx, chromedriver and Chromium end with it;
/// - `limit(_:)` kills the group when it runs past a deadline (a hung client fails its test
///   with what it wrote instead of hanging the run), and whatever still runs when the test
///   process exits is killed.
final class Spawned: Sendable {
    let pid: pid_t
    /// Its standard output (and its standard error, unless `errors` was given).
    let log: String
    let errors: String

    private struct State {
        var status: Int32?
        var overran: Duration?
        var waiting: [CheckedContinuation<Int32, Never>] = []
    }
    private let state = Mutex(State())

    init(_ executable: String, _ arguments: [String], log: String? = nil, errors: String? = nil,
         environment: [String: String] = [:], directory: String? = nil) throws {
        self.log = log ?? temporaryPath("log")
        self.errors = errors ?? self.log
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, self.log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if self.errors == self.log {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, 2, self.errors, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Default dispositions and no blocked signals in the child, whatever the test process set.
        var all = sigset_t(), none = sigset_t()
        sigfillset(&all)
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP))
        let env = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { "\($0.key)=\($0.value)" }
        // In another folder through env(1)'s --chdir (glibc's addchdir_np is not in Swift's Glibc).
        let command = directory.map { ["/usr/bin/env", "--chdir=\($0)", executable] } ?? [executable]
        let argv = (command + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        Self.killedAtExit
        var pid: pid_t = 0
        let code = Self.running.withLock { running -> Int32 in
            let code = posix_spawn(&pid, command[0], &actions, &attributes, argv, envp)
            if code == 0 { running.insert(pid) }
            return code
        }
        guard code == 0 else { throw SpawnError(description: "\(executable): \(String(cString: strerror(code)))") }
        self.pid = pid
        // The reaper: a plain thread, not one of the pool's.
        Thread.detachNewThread { [self, pid] in
            var raw: Int32 = 0
            while waitpid(pid, &raw, 0) == -1, errno == EINTR {}
            // Exit status, or 128 + the signal that ended it (as a shell reports it).
            let status = raw & 0x7f == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
            _ = Self.running.withLock { $0.remove(pid) }
            let waiting = state.withLock { s -> [CheckedContinuation<Int32, Never>] in
                s.status = status
                defer { s.waiting = [] }
                return s.waiting
            }
            for w in waiting { w.resume(returning: status) }
        }
    }

    var isRunning: Bool { state.withLock { $0.status == nil } }
    /// Its exit status (128 + N after signal N); nil while it runs.
    var status: Int32? { state.withLock { $0.status } }

    /// Its status once it has ended.
    func ended() async -> Int32 {
        await withCheckedContinuation { c in
            let status = state.withLock { s -> Int32? in
                if s.status == nil { s.waiting.append(c) }
                return s.status
            }
            if let status { c.resume(returning: status) }
        }
    }

    /// SIGTERM to its group now, SIGKILL after `grace` if it still runs; returns at once
    /// (`stopped()` waits).
    func stop(grace: Duration = .seconds(5)) {
        guard isRunning else { return }
        kill(-pid, SIGTERM)
        DispatchQueue.global().asyncAfter(deadline: .now() + grace.seconds) { [self] in
            if isRunning { kill(-pid, SIGKILL) }
        }
    }

    /// Kills its group if it still runs after `limit` (`overran` then says so).
    func limit(_ limit: Duration) {
        DispatchQueue.global().asyncAfter(deadline: .now() + limit.seconds) { [self] in
            let kill = state.withLock { s -> Bool in
                if s.status == nil { s.overran = limit }
                return s.status == nil
            }
            if kill { Glibc.kill(-pid, SIGKILL) }
        }
    }

    /// The limit it was killed at, if it ran past one.
    var overran: Duration? { state.withLock { $0.overran } }

    /// `stop()`, and its status once it has ended.
    @discardableResult
    func stopped(grace: Duration = .seconds(5)) async -> Int32 {
        stop(grace: grace)
        return await ended()
    }

    /// What it has written so far.
    var output: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }
    var errorOutput: String { (try? String(contentsOfFile: errors, encoding: .utf8)) ?? "" }

    /// The last of what it wrote, for a failure's message.
    func tail(_ characters: Int = 3000) -> String {
        let text = output
        return text.isEmpty ? "(it wrote nothing)" : String(text.suffix(characters))
    }

    private static let running = Mutex(Set<pid_t>())

    /// Kills what is still running when the test process exits (a test that failed before
    /// its `stop()`), once installed.
    private static let killedAtExit: Void = {
        atexit { Spawned.running.withLock { for pid in $0 { kill(-pid, SIGKILL) } } }
    }()
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

struct SpawnError: Error, CustomStringConvertible {
    var description: String
}

/// A port for a program that cannot be told to take port 0 (nginx, the OsmAnd listener, a
/// webhook receiver): below the system's ephemeral range (32768 and up), where no outgoing
/// connection of another test can hold it.
func unusedPort() -> Int { Int.random(in: 20000..<32768) }

/// What keeps a hung client from hanging the run: the limit kills it and what it started.
struct SpawnedTests {
    @Test func aCommandPastItsLimitIsKilledWithWhatItStarted() async throws {
        let pidFile = temporaryPath("pid")
        let p = try Spawned("/bin/sh", ["-c", "sleep 300 & echo $! > \(pidFile); echo started; wait"])
        p.limit(.seconds(1))
        let status = await p.ended()
        #expect(status == 128 + SIGKILL)
        #expect(p.overran == .seconds(1))
        #expect(p.output.contains("started"))
        let child = try #require(pid_t(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        // The child was in the group: gone (or a zombie of init's about to be reaped).
        var gone = false
        for _ in 0..<50 where !gone {
            gone = kill(child, 0) != 0 || (try? String(contentsOfFile: "/proc/\(child)/stat", encoding: .utf8))?.contains(") Z ") == true
            if !gone { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(gone, "the child \(child) outlived its group's kill")
    }
}
