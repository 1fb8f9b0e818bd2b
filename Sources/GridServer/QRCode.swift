import CQRencode

/// A QR code (libqrencode, error correction M) of a short text such as a sign-in link, drawn
/// as SVG for the page or as half-block characters for a terminal.
struct QRCode: Sendable {
    /// Modules, row by row: true is dark.
    let modules: [[Bool]]

    init?(_ text: String) {
        guard let code = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1) else { return nil }
        defer { QRcode_free(code) }
        guard let data = code.pointee.data else { return nil }
        let width = Int(code.pointee.width)
        modules = (0..<width).map { y in (0..<width).map { x in data[y * width + x] & 1 == 1 } }
    }

    /// With a quiet zone of four modules.
    var svg: String {
        let n = modules.count + 8
        var path = ""
        for (y, row) in modules.enumerated() {
            for (x, dark) in row.enumerated() where dark { path += "M\(x + 4) \(y + 4)h1v1h-1z" }
        }
        return ##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \##(n) \##(n)" shape-rendering="crispEdges"><rect width="\##(n)" height="\##(n)" fill="#fff"/><path d="\##(path)" fill="#000"/></svg>"##
    }

    /// Two rows per line in ▀ ▄ █ and spaces, dark on a light terminal's background inverted so
    /// that phones read it from either: light modules are drawn, with a quiet zone of two.
    var terminal: String {
        let n = modules.count
        func dark(_ x: Int, _ y: Int) -> Bool { x >= 0 && y >= 0 && x < n && y < n && modules[y][x] }
        var lines: [String] = []
        for y in stride(from: -2, to: n + 2, by: 2) {
            var line = ""
            for x in -2..<(n + 2) {
                switch (!dark(x, y), !dark(x, y + 1)) {
                case (true, true): line += "█"
                case (true, false): line += "▀"
                case (false, true): line += "▄"
                case (false, false): line += " "
                }
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}
