import Foundation
import Hummingbird
import MultipartKit
import NIOCore

/// A `multipart/form-data` body (RFC 7578) taken apart by MultipartKit's parser: each part's
/// name, file name, type and bytes.
struct MultipartBody {
    struct Part {
        var name: String?
        var filename: String?
        var contentType: String?
        var body: [UInt8]
    }

    var parts: [Part]

    /// The boundary of a `multipart/form-data` content type, nil for any other type.
    static func boundary(_ contentType: String?) -> String? {
        guard let contentType, contentType.lowercased().hasPrefix("multipart/form-data") else { return nil }
        for parameter in contentType.split(separator: ";").dropFirst() {
            let kv = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if kv.count == 2, kv[0].lowercased() == "boundary" { return kv[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        }
        return ""
    }

    init(_ buffer: ByteBuffer, boundary: String) throws {
        guard (1...70).contains(boundary.count) else { throw Problem.badRequest("multipart/form-data needs a boundary of 1 to 70 characters") }
        // MultipartKit 4.7.1 indexes a 128-entry table with each header-name byte: a byte from
        // 0x80 up ends the process (found by Scripts/fuzz). Refused here first.
        guard Self.headerNamesAreASCII(Array(buffer.readableBytesView), boundary: Array(("--" + boundary).utf8)) else {
            throw Problem.badRequest("the multipart body is malformed: a part's header name is not ASCII")
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
            throw Problem.badRequest("the multipart body is malformed: \(error)")
        }
        guard current == nil, !parts.isEmpty else { throw Problem.badRequest("the multipart body ends inside a part or holds none") }
        self.parts = parts
    }

    /// Whether, after every `--boundary` line, each header line up to its colon (the name) is
    /// ASCII, until the blank line that ends the headers.
    static func headerNamesAreASCII(_ bytes: [UInt8], boundary: [UInt8]) -> Bool {
        guard let first = boundary.first else { return true }
        var i = 0
        while i + boundary.count <= bytes.count {
            guard bytes[i] == first, bytes[i..<(i + boundary.count)].elementsEqual(boundary) else {
                i += 1
                continue
            }
            // Past the boundary's line, header lines until a blank one.
            var j = i + boundary.count
            while j < bytes.count, bytes[j] != 10 { j += 1 }
            j += 1
            while j < bytes.count, bytes[j] != 13, bytes[j] != 10 {
                var inName = true
                while j < bytes.count, bytes[j] != 10 {
                    if bytes[j] == UInt8(ascii: ":") { inName = false }
                    if inName, bytes[j] >= 0x80 { return false }
                    j += 1
                }
                j += 1
            }
            i += boundary.count
        }
        return true
    }

    /// The text of the part named `name`.
    func text(_ name: String) -> String? {
        parts.first { $0.name == name }.map { String(decoding: $0.body, as: UTF8.self) }
    }
}
