import Foundation

/// `application/x-www-form-urlencoded` (also query strings): "+" is a space, %XX a byte;
/// the first of repeated keys wins.
public enum FormParameters {
    public static func parse(_ s: String) -> [String: String] {
        var out: [String: String] = [:]
        for pair in s.split(separator: "&", omittingEmptySubsequences: true) {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = decode(kv[0]), value = kv.count > 1 ? decode(kv[1]) : ""
            if out[key] == nil { out[key] = value }
        }
        return out
    }

    /// A form-encoded request body: a field given twice is refused (as a query parameter given
    /// twice is), not read as its first value.
    public static func parseBody(_ s: String) throws(WireError) -> [String: String] {
        var out: [String: String] = [:]
        for pair in s.split(separator: "&", omittingEmptySubsequences: true) {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = decode(kv[0])
            guard out[key] == nil else { throw WireError("the field \(key) appears twice: give each field once") }
            out[key] = kv.count > 1 ? decode(kv[1]) : ""
        }
        return out
    }

    public static func decode(_ s: Substring) -> String {
        let plain = s.replacingOccurrences(of: "+", with: " ")
        return plain.removingPercentEncoding ?? plain
    }
}
