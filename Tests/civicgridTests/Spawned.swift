import Foundation
import Synchronization

/// A long-running process a test starts (a server, nginx, a stream reader): its output goes to
/// a file of its own, never to the test process's (a process left running would hold
/// `swift test`'s pipe open, and the run would wait for ever); `stop()` sends SIGTERM and then
/// SIGKILL if it has not ended within the grace; and whatever is still running when the test
/// process exits is killed.
final class Spawned: @unchecked Sendable {
    let process: Process
    /// Its standard output and error.
    let log: String

    init(_ executable: String, _ arguments: [String], log: String? = nil, environment: [String: String] = [:]) throws {
        self.log = log ?? temporaryPath("log")
        FileManager.default.createFile(atPath: self.log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: self.log))
        defer { try? handle.close() }
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = handle
        process.standardError = handle
        Self.killedAtExit
        try Self.running.withLock { running in
            try process.run()
            running[process.processIdentifier] = process
        }
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    /// What it has written so far.
    var output: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }

    /// The last lines it wrote, for a failure's message.
    func tail(_ characters: Int = 3000) -> String {
        let text = output
        return text.isEmpty ? "(it wrote nothing)" : String(text.suffix(characters))
    }

    /// SIGTERM, then SIGKILL if it is still running after `grace`; returns once it has ended.
    func stop(grace: Duration = .seconds(5)) {
        if process.isRunning {
            kill(pid, SIGTERM)
            let sent = ContinuousClock.now
            while process.isRunning, ContinuousClock.now - sent < grace { Thread.sleep(forTimeInterval: 0.02) }
            if process.isRunning { kill(pid, SIGKILL) }
        }
        process.waitUntilExit()
        _ = Self.running.withLock { $0.removeValue(forKey: pid) }
    }

    private static let running: Mutex<[Int32: Process]> = Mutex([:])

    /// Kills what is still running when the test process exits (a test that failed before
    /// its `stop()`), once installed.
    private static let killedAtExit: Void = {
        atexit { Spawned.running.withLock { for pid in $0.keys { kill(pid, SIGKILL) } } }
    }()
}

/// A port for a program that cannot be told to take port 0 (nginx, the OsmAnd listener, a
/// webhook receiver): below the system's ephemeral range (32768 and up), where no outgoing
/// connection of another test can hold it.
func unusedPort() -> Int { Int.random(in: 20000..<32768) }
