import Foundation
import GRDB
#if canImport(Glibc)
import Glibc
#endif

/// What a backup or a restore wrote.
public struct BackupReport: Sendable, Equatable {
    public var bytes: Int64
    /// Photos copied now (the others were there from an earlier backup: photos never change).
    public var photosCopied: Int
    public var photos: Int
}

/// Backups: a consistent copy of a live database by SQLite's online backup (one step inside
/// a read transaction, so writers go on and the copy is the snapshot the read began with),
/// checked (`integrity_check`), synced and renamed into place; the photo store beside it
/// copied file by file (content-addressed, so a file there is the right one). The key file that
/// seals ID numbers is not copied: keep it apart.
extension GridStore {
    /// Writes a backup to `output`, which must not exist unless `replace` (and then must be a
    /// regular file no process has open); never the database itself.
    public func backup(to output: String, replace: Bool = false) throws(StoreError) -> BackupReport {
        _ = try filePool("a backup")
        try DatabaseFile.checkReplaceable(output, source: path, replace: replace)
        let partial = output + ".partial"
        do {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: partial + suffix) }
            let destination = try DatabaseQueue(path: partial)
            try filePool("a backup").backup(to: destination)
            let check = try destination.read { try String.fetchOne($0, sql: "PRAGMA integrity_check") }
            guard check == "ok" else { throw StoreError("the copy fails integrity_check: \(check ?? "?")") }
            try destination.writeWithoutTransaction { try $0.execute(sql: "PRAGMA journal_mode = DELETE") }
            try destination.close()
        } catch let e as StoreError {
            throw e
        } catch {
            throw StoreError.wrap(error, "backup of \(path) to \(output)")
        }
        try Self.syncAndRename(partial, output)
        let (copied, photos) = try Self.copyPhotos(from: photoDirectory, to: output + ".photos")
        let bytes = (try? FileManager.default.attributesOfItem(atPath: output)[.size] as? Int64) ?? 0
        return BackupReport(bytes: bytes ?? 0, photosCopied: copied, photos: photos)
    }

    /// Puts a backup in place of `database` (which must not exist unless `replace`, and then
    /// must be a regular file no process has open): checked first, copied, synced, renamed; its
    /// photos beside it.
    public static func restore(from backup: String, to database: String, replace: Bool = false) throws(StoreError) -> BackupReport {
        switch DatabaseFile.kind(backup) {
        case .missing: throw StoreError("no backup \(backup)")
        case .other(let what): throw StoreError("\(backup) is \(what), not a backup")
        case .regular: break
        }
        try DatabaseFile.checkReplaceable(database, source: backup, replace: replace)
        do {
            let source = try DatabaseQueue(path: backup, configuration: { var c = Configuration(); c.readonly = true; return c }())
            let check = try source.read { try String.fetchOne($0, sql: "PRAGMA integrity_check") }
            try source.close()
            guard check == "ok" else { throw StoreError("\(backup) fails integrity_check: \(check ?? "?")") }
        } catch let e as StoreError {
            throw e
        } catch {
            throw StoreError.wrap(error, "cannot read \(backup)")
        }
        let partial = database + ".partial"
        do {
            try? FileManager.default.removeItem(atPath: partial)
            try FileManager.default.copyItem(atPath: backup, toPath: partial)
        } catch {
            throw StoreError("cannot copy \(backup) to \(partial): \(error)")
        }
        if replace { for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: database + suffix) } }
        try syncAndRename(partial, database)
        let (copied, photos) = try copyPhotos(from: backup + ".photos", to: database + ".photos")
        let bytes = (try? FileManager.default.attributesOfItem(atPath: database)[.size] as? Int64) ?? 0
        return BackupReport(bytes: bytes ?? 0, photosCopied: copied, photos: photos)
    }

    /// Backups in `directory` named `civicgrid-<UTC time>.gpkg`, oldest first.
    public static func backups(in directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasPrefix("civicgrid-") && $0.hasSuffix(".gpkg") }.sorted().map { "\(directory)/\($0)" }
    }

    /// A new backup in `directory`, then the oldest removed (with their photos) so `keep` remain.
    public func rotateBackup(in directory: String, keep: Int, now: Date = Date()) throws(StoreError) -> (String, BackupReport) {
        do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
            throw StoreError("cannot make \(directory): \(error)")
        }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        var name = "\(directory)/civicgrid-\(f.string(from: now)).gpkg"
        var n = 1
        while FileManager.default.fileExists(atPath: name) {
            n += 1
            name = "\(directory)/civicgrid-\(f.string(from: now))-\(n).gpkg"
        }
        let report = try backup(to: name)
        for old in Self.backups(in: directory).dropLast(max(1, keep)) {
            try? FileManager.default.removeItem(atPath: old)
            try? FileManager.default.removeItem(atPath: old + ".photos")
        }
        return (name, report)
    }

    static func syncAndRename(_ partial: String, _ final: String) throws(StoreError) {
        let fd = open(partial, O_RDONLY)
        guard fd >= 0, fsync(fd) == 0 else {
            if fd >= 0 { close(fd) }
            throw StoreError("cannot sync \(partial): errno \(errno)")
        }
        close(fd)
        guard rename(partial, final) == 0 else { throw StoreError("cannot rename \(partial) to \(final): errno \(errno)") }
        let dir = open((final as NSString).deletingLastPathComponent.isEmpty ? "." : (final as NSString).deletingLastPathComponent, O_RDONLY)
        if dir >= 0 {
            fsync(dir)
            close(dir)
        }
    }

    /// Copies the photos `to` lacks (by name: a photo's name is its hash).
    static func copyPhotos(from source: String, to destination: String) throws(StoreError) -> (copied: Int, total: Int) {
        let fm = FileManager.default
        guard let folders = try? fm.contentsOfDirectory(atPath: source) else { return (0, 0) }
        var copied = 0, total = 0
        for folder in folders.sorted() {
            guard let files = try? fm.contentsOfDirectory(atPath: "\(source)/\(folder)") else { continue }
            for file in files where !file.hasSuffix(".part") {
                total += 1
                let target = "\(destination)/\(folder)/\(file)"
                if fm.fileExists(atPath: target) { continue }
                do {
                    try fm.createDirectory(atPath: "\(destination)/\(folder)", withIntermediateDirectories: true)
                    try? fm.removeItem(atPath: target + ".partial")
                    try fm.copyItem(atPath: "\(source)/\(folder)/\(file)", toPath: target + ".partial")
                } catch {
                    throw StoreError("cannot copy photo \(file): \(error)")
                }
                try syncAndRename(target + ".partial", target)
                copied += 1
            }
        }
        return (copied, total)
    }
}
