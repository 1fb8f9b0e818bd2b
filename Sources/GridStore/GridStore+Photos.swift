import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Case photos are files beside the database (`<db>.photos/ab/abcdef…`, named by the SHA-256
/// of their bytes), not rows: the database stays small and its backups quick.
extension GridStore {
    public var photoDirectory: String { Self.fileBase(for: path) + ".photos" }

    func photoPath(_ sha256: String) -> String { "\(photoDirectory)/\(sha256.prefix(2))/\(sha256)" }

    /// Stores a photo's bytes under their hash, synced to disk before it returns (written to a
    /// temporary file and renamed, so that no reader sees half a photo). A photo stored before
    /// is left as it is.
    public func savePhoto(_ bytes: [UInt8], sha256: String) throws(StoreError) {
        guard sha256.count == 64, sha256.allSatisfy(\.isHexDigit) else { throw StoreError("not a SHA-256: \(sha256)") }
        let final = photoPath(sha256), folder = (final as NSString).deletingLastPathComponent
        if FileManager.default.fileExists(atPath: final) { return }
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw StoreError("cannot make \(folder): \(error)")
        }
        let temporary = "\(final).\(UUID().uuidString).part"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else { throw StoreError("cannot write \(temporary): errno \(errno)") }
        var written = 0
        let ok = bytes.withUnsafeBytes { raw -> Bool in
            while written < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + written, raw.count - written)
                if n <= 0 { return false }
                written += n
            }
            return fsync(fd) == 0
        }
        close(fd)
        guard ok, rename(temporary, final) == 0 else {
            unlink(temporary)
            throw StoreError("cannot store photo \(sha256): errno \(errno)")
        }
        let dir = open(folder, O_RDONLY)
        if dir >= 0 {
            fsync(dir)
            close(dir)
        }
    }

    /// A stored photo's bytes, or nil.
    public func photo(sha256: String) -> [UInt8]? {
        guard sha256.count == 64, sha256.allSatisfy(\.isHexDigit) else { return nil }
        return FileManager.default.contents(atPath: photoPath(sha256)).map { [UInt8]($0) }
    }
}
