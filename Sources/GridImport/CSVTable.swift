/// A CSV table (RFC 4180: commas, double-quoted fields with "" for a quote, LF or CRLF) read
/// by header name. Line numbers count from 1 at the header.
public struct CSVTable {
    public let header: [String]
    /// Each record with the line it starts on.
    public let records: [(line: Int, fields: [String])]

    /// A file's bytes as text: UTF-8, with or without a byte order mark. Anything else — a
    /// GB18030/GBK file, what Excel in China saves as "CSV" — is refused at its first line that
    /// is not UTF-8, rather than read as replacement characters.
    public static func text(_ data: Data, file: String) throws(ImportError) -> String {
        let bytes = data.starts(with: [0xEF, 0xBB, 0xBF]) ? data.dropFirst(3) : data[...]
        if let text = String(data: bytes, encoding: .utf8) { return text }
        var line = 1
        for piece in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
            if String(data: Data(piece), encoding: .utf8) == nil { break }
            line += 1
        }
        throw .unreadable("\(file) line \(line) is not UTF-8 (a GB18030/GBK file, as Excel saves \"CSV\"?): save it as \"CSV UTF-8\" and import again; nothing was written")
    }

    public init(_ text: String) throws(ImportError) {
        var rows: [(Int, [String])] = []
        var field = "", fields: [String] = [], quoted = false, line = 1, start = 1, afterQuote = false
        var chars = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        func endRecord() {
            fields.append(field)
            if !(fields.count == 1 && fields[0].isEmpty) { rows.append((start, fields)) }
            field = ""; fields = []
        }
        while let c = pending ?? chars.next() {
            pending = nil
            if quoted {
                if c == "\"" {
                    if let n = chars.next() {
                        if n == "\"" { field.unicodeScalars.append("\""); continue }
                        pending = n
                    }
                    quoted = false
                    afterQuote = true
                    continue
                }
                if c == "\n" { line += 1 }
                field.unicodeScalars.append(c)
                continue
            }
            switch c {
            case "\"" where field.isEmpty && !afterQuote: quoted = true
            case ",": fields.append(field); field = ""; afterQuote = false
            case "\r": continue
            case "\n":
                endRecord()
                line += 1
                start = line
                afterQuote = false
            default:
                if afterQuote { throw .unreadable("line \(line): text after a closing quote") }
                field.unicodeScalars.append(c)
            }
        }
        if quoted { throw .unreadable("line \(start): a quoted field is not closed") }
        if !field.isEmpty || !fields.isEmpty { endRecord() }
        guard let first = rows.first else { throw .unreadable("the table is empty: expected a header line") }
        header = first.1.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        records = rows.dropFirst().map { (line: $0.0, fields: $0.1) }
    }

    /// Fails unless every named column is present.
    public func require(_ columns: [String]) throws(ImportError) {
        let missing = columns.filter { !header.contains($0) }
        guard missing.isEmpty else { throw .unreadable("missing column(s): \(missing.joined(separator: ", ")); header is \(header.joined(separator: ","))") }
    }

    /// A record's value in a column, trimmed; empty when absent.
    public func value(_ record: [String], _ column: String) -> String {
        guard let i = header.firstIndex(of: column), i < record.count else { return "" }
        return record[i].trimmingCharacters(in: .whitespaces)
    }
}

import Foundation
