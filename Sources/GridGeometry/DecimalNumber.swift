extension Double {
    /// A number written in decimal (`31.3`, `-1e-3`, `+7`), finite; nil for anything else —
    /// `Double("0x10")` reads hex (16), and `inf` or `nan`, which no client means by a
    /// coordinate or a limit.
    public init?(decimal s: some StringProtocol) {
        let u = s.unicodeScalars
        var digits = false, sawExponent = false, sawDot = false, i = u.startIndex
        if i < u.endIndex, u[i] == "+" || u[i] == "-" { i = u.index(after: i) }
        while i < u.endIndex {
            let c = u[i]
            if ("0"..."9").contains(c) {
                digits = true
            } else if c == ".", !sawDot, !sawExponent {
                sawDot = true
            } else if c == "e" || c == "E", digits, !sawExponent {
                sawExponent = true
                digits = false
                let next = u.index(after: i)
                if next < u.endIndex, u[next] == "+" || u[next] == "-" { i = next }
            } else {
                return nil
            }
            i = u.index(after: i)
        }
        guard digits, let d = Double(String(s)), d.isFinite else { return nil }
        self = d
    }
}
