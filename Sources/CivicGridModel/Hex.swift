extension Sequence<UInt8> {
    /// The bytes in lower-case hexadecimal, two digits a byte: how digests, token hashes and
    /// signatures are written and stored.
    public var hex: String {
        var out: [UInt8] = []
        out.reserveCapacity(underestimatedCount * 2)
        for byte in self {
            out.append(hexDigits[Int(byte >> 4)])
            out.append(hexDigits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

private let hexDigits = Array("0123456789abcdef".utf8)
