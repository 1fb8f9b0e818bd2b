import Foundation

/// Shows progress of long work on standard error: a line rewritten in place on a terminal,
/// otherwise one line per stage at every tenth. Safe to call from several threads.
final class ProgressPrinter: @unchecked Sendable {
    private let lock = NSLock()
    private let interactive = isatty(STDERR_FILENO) == 1
    private var stage = ""
    private var lastTenth = -1

    func update(_ stage: String, _ done: Int, _ total: Int) {
        lock.lock()
        defer { lock.unlock() }
        if stage != self.stage {
            if interactive, !self.stage.isEmpty { FileHandle.standardError.write(Data("\n".utf8)) }
            self.stage = stage
            lastTenth = -1
        }
        let fraction = total > 0 ? Double(done) / Double(total) : 1
        let line = String(format: "%@ %3.0f%% (%d/%d)", stage, fraction * 100, done, total)
        if interactive {
            FileHandle.standardError.write(Data("\r\(line)".utf8))
        } else {
            let tenth = Int(fraction * 10)
            guard tenth != lastTenth else { return }
            lastTenth = tenth
            FileHandle.standardError.write(Data("\(line)\n".utf8))
        }
    }

    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if interactive, !stage.isEmpty { FileHandle.standardError.write(Data("\n".utf8)) }
        stage = ""
    }
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
