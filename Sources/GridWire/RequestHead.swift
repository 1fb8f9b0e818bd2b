import Foundation
import NIOCore

/// An HTTP/1.1 request head as it arrives, before SwiftNIO's decoder sees it: where it ends,
/// and the same head mended (the target's missing "/", bare LFs) with the body length it
/// announces. The server's `RequestLineRepair` handler uses these.
public enum RequestHead {
    /// The length of the head (through its blank line), if it is all there. Lines may end in
    /// CRLF or a bare LF (RFC 9112 §2.2 lets a server take LF alone), so the blank line is
    /// an LF followed by LF or by CRLF.
    public static func end(_ b: ByteBuffer, from start: Int) -> Int? {
        b.withUnsafeReadableBytes { p -> Int? in
            var i = start
            while i + 1 < p.count {
                if p[i] == 10 {
                    if p[i + 1] == 10 { return i + 2 }
                    if p[i + 1] == 13, i + 2 < p.count, p[i + 2] == 10 { return i + 3 }
                }
                i += 1
            }
            return nil
        }
    }

    /// The head with "/" inserted before a leading "?" of the target and bare LFs made CRLF,
    /// and the body length it announces (nil: chunked, cannot follow).
    public static func mend(_ head: ByteBuffer) -> (ByteBuffer, Int?) {
        let bytes = Array(head.readableBytesView)
        var out = head
        let space = bytes.firstIndex(of: 32)
        let slashless = space.map { $0 + 1 < bytes.count && bytes[$0 + 1] == UInt8(ascii: "?") } ?? false
        let bareLF = bytes.indices.contains { bytes[$0] == 10 && ($0 == 0 || bytes[$0 - 1] != 13) }
        if slashless || bareLF {
            // The target gains its "/", and every line ends in CRLF (the decoder takes no bare LF).
            var fixed = ByteBuffer()
            fixed.reserveCapacity(bytes.count + 64)
            for (i, b) in bytes.enumerated() {
                if b == 10 && (i == 0 || bytes[i - 1] != 13) { fixed.writeInteger(UInt8(13)) }
                fixed.writeInteger(b)
                if slashless && i == space { fixed.writeInteger(UInt8(ascii: "/")) }
            }
            out = fixed
        }
        var length = 0
        for line in bytes.split(separator: 10).dropFirst() {
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { continue }
            let name = String(decoding: line[line.startIndex..<colon], as: UTF8.self).lowercased()
            let value = String(decoding: line[(colon + 1)...], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if name == "content-length", let n = Int(value) { length = n }
            if name == "transfer-encoding", value.lowercased().contains("chunked") { return (out, nil) }
        }
        return (out, length)
    }
}
