/// Counts the elements of a top-level JSON array as its bytes arrive, so that a batch over
/// the limit is refused while it is read, before any of it is parsed. It follows strings
/// (and their escapes) and nesting, and nothing else: whether the JSON is well formed is the
/// parser's business once the count is known to be within bounds.
public struct ArrayCounter: Sendable {
    /// Elements begun so far at depth 1.
    public private(set) var count = 0
    private var depth = 0
    private var inString = false
    private var escaped = false
    private var expectingValue = false

    public init() {}

    public mutating func feed<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        for b in bytes {
            if inString {
                if escaped { escaped = false } else if b == UInt8(ascii: "\\") { escaped = true } else if b == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch b {
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"):
                continue
            case UInt8(ascii: ","):
                if depth == 1 { expectingValue = true }
                continue
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                depth -= 1
                expectingValue = false
                continue
            default:
                break
            }
            if depth == 1 && expectingValue {
                count += 1
                expectingValue = false
            }
            switch b {
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                if depth == 1 { expectingValue = true }
            case UInt8(ascii: "\""):
                inString = true
            default:
                break
            }
        }
    }
}
