import CivicGridModel
import Crypto
import Foundation
import GridStore

/// The key that keeps ID numbers out of the database: a file of 32 random bytes beside it (or
/// where `CIVICGRID_KEY_FILE` says), never in it. From it: a key for the lookup hash
/// (HMAC-SHA256) and a key for sealing (AES-GCM). Without the file the database gives away
/// neither the numbers nor a way to test a guess.
public struct PersonalKey: Sendable {
    private let lookupBytes: Data
    private let sealingBytes: Data
    var lookup: SymmetricKey { SymmetricKey(data: lookupBytes) }
    var sealing: SymmetricKey { SymmetricKey(data: sealingBytes) }

    /// Where the key of a database lives.
    public static func path(for database: String) -> String {
        ProcessInfo.processInfo.environment["CIVICGRID_KEY_FILE"].flatMap { $0.isEmpty ? nil : $0 } ?? GridStore.fileBase(for: database) + ".key"
    }

    /// Reads the key file, or makes one (mode 0600) when there is none and `create`.
    public static func load(path: String, create: Bool = true) throws -> PersonalKey {
        if let data = FileManager.default.contents(atPath: path) {
            guard data.count == 32 else { throw PeopleError("\(path) is not a CivicGrid key (32 bytes)") }
            return PersonalKey(SymmetricKey(data: data))
        }
        guard create else { throw PeopleError("no key file \(path): the ID numbers cannot be read without it") }
        let key = SymmetricKey(size: .bits256)
        let data = key.withUnsafeBytes { Data($0) }
        try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: path, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw PeopleError("cannot write the key file \(path)")
        }
        return PersonalKey(key)
    }

    init(_ master: SymmetricKey) {
        func derive(_ info: String) -> Data {
            HKDF<SHA256>.deriveKey(inputKeyMaterial: master, info: Data(info.utf8), outputByteCount: 32).withUnsafeBytes { Data($0) }
        }
        lookupBytes = derive("civicgrid id lookup")
        sealingBytes = derive("civicgrid id sealing")
    }

    /// The lookup hash of an ID number (hex).
    public func hash(_ id: IDNumber) -> String {
        HMAC<SHA256>.authenticationCode(for: Data(id.value.utf8), using: lookup).hex
    }

    public func seal(_ id: IDNumber) throws -> Data {
        guard let combined = try AES.GCM.seal(Data(id.value.utf8), using: sealing).combined else { throw PeopleError("sealing failed") }
        return combined
    }

    public func open(_ sealed: Data) throws -> IDNumber {
        let plain: Data
        do { plain = try AES.GCM.open(AES.GCM.SealedBox(combined: sealed), using: sealing) } catch { throw PeopleError("an ID number does not open with this key") }
        guard let id = IDNumber(String(decoding: plain, as: UTF8.self)) else { throw PeopleError("a sealed ID number is not one") }
        return id
    }
}

/// Why a people operation failed.
public struct PeopleError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
