import CivicGridModel
import Crypto
import Foundation

/// Device secrets: 256 random bits, shown once; the store keeps only their SHA-256 (enough
/// for a random secret of that length: there is nothing to guess from).
public enum DeviceToken {
    /// A new token: 43 characters of base64url.
    public static func generate() -> String {
        var g = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &g) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The hex SHA-256 of a token, as stored.
    public static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).hex
    }
}
