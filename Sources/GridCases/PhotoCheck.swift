import CivicGridModel
import Crypto
import Foundation
import GridWire

/// Photos sent with a case, checked by `PhotoBytes` (JPEG or PNG by their content, size and
/// pixel limits) and kept without their metadata, named by the digest of what is stored.
public enum PhotoCheck {
    public static let maxBytes = PhotoBytes.maxBytes

    /// The photo as sent: its hash, media type and size, or why it is refused.
    public static func inspect(_ b: [UInt8]) throws(CaseError) -> CasePhoto {
        let type: String
        do { type = try PhotoBytes.check(b) } catch { throw CaseError(.invalid, error.reason) }
        return CasePhoto(sha256: SHA256.hash(data: b).hex, mediaType: type, bytes: b.count)
    }

    /// A photo as it is kept: checked, then without its metadata (`PhotoBytes.stripped`); the
    /// record names the bytes that are stored, so the digest is of what lies on disk and in
    /// backups.
    public static func prepared(_ b: [UInt8]) throws(CaseError) -> (photo: CasePhoto, bytes: [UInt8]) {
        let original = try inspect(b)
        let clean = PhotoBytes.stripped(b)
        return (CasePhoto(sha256: SHA256.hash(data: clean).hex, mediaType: original.mediaType, bytes: clean.count), clean)
    }
}
