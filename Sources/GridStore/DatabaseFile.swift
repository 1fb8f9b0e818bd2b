import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What the operating system says about a database file before a command writes over it:
/// whether it is a regular file, whether it is the same file as another, and which process
/// holds it open.
public enum DatabaseFile {
    /// A process that has the database open: its id and, where /proc tells, its command.
    public struct Holder: Sendable, Equatable, CustomStringConvertible {
        public var pid: Int32
        public var command: String?
        public var description: String { command.map { "process \(pid) (\($0))" } ?? "process \(pid)" }
    }

    /// The process that has the SQLite database at `path` open, if any. Every connection to a
    /// database in WAL mode holds a shared lock on the "DMS" byte of its `-shm` file for as long
    /// as it is open (SQLite's unix VFS: byte 128); asking for a write lock there names a
    /// process holding it. A database with no `-shm` file has no open WAL connection.
    public static func holder(of path: String) -> Holder? {
        let fd = open(path + "-shm", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var lock = flock()
        lock.l_type = Int16(F_WRLCK)
        lock.l_whence = Int16(SEEK_SET)
        lock.l_start = 128
        lock.l_len = 1
        guard fcntl(fd, F_GETLK, &lock) == 0, lock.l_type != Int16(F_UNLCK) else { return nil }
        let comm = try? String(contentsOfFile: "/proc/\(lock.l_pid)/cmdline", encoding: .utf8)
            .split(separator: "\0").prefix(4).joined(separator: " ")
        return Holder(pid: lock.l_pid, command: comm?.isEmpty == false ? comm : nil)
    }

    /// What is at `path`: nothing, a regular file (with its device and inode), or something else.
    enum Kind: Equatable {
        case missing
        case regular(device: UInt64, inode: UInt64)
        case other(String)
    }

    static func kind(_ path: String) -> Kind {
        var s = stat()
        guard stat(path, &s) == 0 else { return errno == ENOENT ? .missing : .other("unreadable (errno \(errno))") }
        switch s.st_mode & S_IFMT {
        case S_IFREG: return .regular(device: UInt64(s.st_dev), inode: UInt64(s.st_ino))
        case S_IFDIR: return .other("a directory")
        case S_IFCHR: return .other("a character device")
        case S_IFBLK: return .other("a block device")
        case S_IFIFO: return .other("a named pipe")
        case S_IFSOCK: return .other("a socket")
        default: return .other("not a regular file")
        }
    }

    /// Refuses to put a file at `target` when what is there may not be replaced: anything but
    /// a regular file; `source` itself (the same inode under any name); an existing file unless
    /// `replace`; a database some process has open.
    static func checkReplaceable(_ target: String, source: String? = nil, replace: Bool, flag: String = "--replace") throws(StoreError) {
        let kind = kind(target)
        switch kind {
        case .missing:
            return
        case .other(let what):
            throw StoreError("\(target) is \(what), not a database file: nothing was written")
        case .regular:
            if let source, case .regular = self.kind(source), self.kind(source) == kind {
                throw StoreError("\(target) is \(source) itself: write the copy somewhere else")
            }
            guard replace else { throw StoreError("\(target) exists: choose a new path, or say \(flag) to write over it") }
            if let holder = holder(of: target) {
                throw StoreError("\(target) is open in \(holder): stop it before writing over the database")
            }
        }
    }
}
