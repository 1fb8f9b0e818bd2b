import Foundation
import MultipartKit
import NIOCore

/// A `multipart/form-data` body (RFC 7578) taken apart by MultipartKit's parser: each part's
/// name, file name, type and bytes.
public struct MultipartBody: Sendable {
    public struct Part: Sendable {
        public var name: String?
        public var filename: String?
        public var contentType: String?
        public var body: [UInt8]
    }

    public var parts: [Part]

    /// The boundary of a `multipart/form-data` content type, nil for any other type.
    public static func boundary(_ contentType: String?) -> String? {
        guard let contentType, contentType.lowercased().hasPrefix("multipart/form-data") else { return nil }
        for parameter in contentType.split(separator: ";").dropFirst() {
            let kv = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if kv.count == 2, kv[0].lowercased() == "boundary" { return kv[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        }
        return ""
    }

    public init(_ buffer: ByteBuffer, boundary: String) throws(WireError) {
        guard (1...70).contains(boundary.count) else { throw WireError("multipart/form-data needs a boundary of 1 to 70 characters") }
        // MultipartKit 4.7.1 indexes a 128-entry table with each header-name byte: a byte from
        // 0x80 up ends the process (found by Scripts/fuzz). Refused here first.
        guard Self.headerNamesAreASCII(Array(buffer.readableBytesView), boundary: Array(("--" + boundary).utf8)) else {
            throw WireError("the multipart body is malformed: a part's header name is not ASCII")
        }
        let parser = MultipartParser(boundary: boundary)
        var parts: [Part] = [], current: Part?
        parser.onHeader = { name, value in
            if current == nil { current = Part(body: []) }
            switch name.lowercased() {
            case "content-disposition":
                for parameter in value.split(separator: ";").dropFirst() {
                    let kv = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                    guard kv.count == 2 else { continue }
                    let v = kv[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                    if kv[0].lowercased() == "name" { current?.name = v }
                    if kv[0].lowercased() == "filename" { current?.filename = v }
                }
            case "content-type": current?.contentType = value
            default: break
            }
        }
        parser.onBody = { chunk in
            if current == nil { current = Part(body: []) }
            current?.body += chunk.readBytes(length: chunk.readableBytes) ?? []
        }
        parser.onPartComplete = {
            if let part = current { parts.append(part) }
            current = nil
        }
        do {
            try parser.execute(buffer)
        } catch {
            throw WireError("the multipart body is malformed: \(error)")
        }
        guard current == nil, !parts.isEmpty else { throw WireError("the multipart body ends inside a part or holds none") }
        self.parts = parts
    }

    /// Whether every header name MultipartKit would read is ASCII: after each `--boundary`
    /// line, as its parser goes — a name runs to a colon, its value to a CR (bare LFs are part
    /// of it) followed by an LF, and a CR where a name would start ends the headers.
    static func headerNamesAreASCII(_ bytes: [UInt8], boundary: [UInt8]) -> Bool {
        guard let first = boundary.first else { return true }
        let n = bytes.count
        var i = 0
        while i + boundary.count <= n {
            guard bytes[i] == first, bytes[i..<(i + boundary.count)].elementsEqual(boundary) else {
                i += 1
                continue
            }
            var j = i + boundary.count
            while j < n, bytes[j] != 10 { j += 1 }
            j += 1
            headers: while j < n, bytes[j] != 13 {
                // The name.
                while j < n, bytes[j] != UInt8(ascii: ":") {
                    if bytes[j] >= 0x80 { return false }
                    if bytes[j] == 13 { break headers }  // the parser refuses this
                    j += 1
                }
                // The value, to CR LF.
                while j < n, bytes[j] != 13 { j += 1 }
                j += 1
                guard j < n, bytes[j] == 10 else { break }
                j += 1
            }
            i += boundary.count
        }
        return true
    }

    /// The text of the part named `name`.
    public func text(_ name: String) -> String? {
        parts.first { $0.name == name }.map { String(decoding: $0.body, as: UTF8.self) }
    }
}
