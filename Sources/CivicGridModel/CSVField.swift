/// A field of a CSV file people open in Excel or WPS: quoted when it holds a separator, a
/// quote or a line break; text that a spreadsheet would take for a formula (starting with
/// `=`, `+`, `-`, `@`, a tab or a carriage return, and not a plain number) gets a leading `'`
/// and quotes, as OWASP's CSV-injection advice says, so it shows as the text it is.
public enum CSVField {
    public static func escape(_ s: String) -> String {
        var s = s
        if let first = s.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first), Double(s) == nil {
            s = "'" + s
            return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}
