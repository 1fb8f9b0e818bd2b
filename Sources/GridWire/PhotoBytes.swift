import Foundation

/// Photos' bytes: JPEG or PNG known by their content (not by a name or a header a client
/// chose), at most 10 MB and 12,000 pixels a side (50 megapixels), and the same photo without
/// what a camera writes about where and when (EXIF, XMP, IPTC, comments, PNG text chunks).
public enum PhotoBytes {
    public static let maxBytes = 10 << 20
    /// The longest side and the most pixels a photo may have: a small file that claims more
    /// (a decompression bomb) would take the memory of whoever opens it.
    public static let maxSide = 12_000
    public static let maxPixels = 50_000_000

    /// The photo's media type, or why it is refused.
    public static func check(_ b: [UInt8]) throws(WireError) -> String {
        guard !b.isEmpty else { throw WireError("a photo is empty") }
        guard b.count <= maxBytes else { throw WireError("a photo is over 10 MB (\(b.count) bytes)") }
        let type: String
        if b.starts(with: [0xFF, 0xD8, 0xFF]) {
            guard jpegSegments(b) != nil else { throw WireError("a photo claims to be JPEG but its structure is broken") }
            type = "image/jpeg"
        } else if b.starts(with: pngSignature) {
            guard pngChunks(b) != nil else { throw WireError("a photo claims to be PNG but its chunks are broken") }
            type = "image/png"
        } else {
            throw WireError("a photo must be a JPEG or PNG image")
        }
        guard let (width, height) = dimensions(b), width > 0, height > 0 else { throw WireError("a photo has no size in its header") }
        guard width <= maxSide, height <= maxSide, width * height <= maxPixels else {
            throw WireError("a photo of \(width) × \(height) pixels is over the limit (\(maxSide) a side, \(maxPixels / 1_000_000) megapixels)")
        }
        return type
    }

    /// Width and height from the frame header (JPEG SOFn) or IHDR (PNG).
    public static func dimensions(_ b: [UInt8]) -> (width: Int, height: Int)? {
        if let segments = jpegSegments(b) {
            for s in segments where (0xC0...0xCF).contains(s.marker) && ![0xC4, 0xC8, 0xCC].contains(s.marker) {
                var k = s.range.lowerBound
                while k < s.range.upperBound, b[k] == 0xFF { k += 1 }  // k: the marker
                guard k + 7 < s.range.upperBound else { return nil }
                return (Int(b[k + 6]) << 8 | Int(b[k + 7]), Int(b[k + 4]) << 8 | Int(b[k + 5]))
            }
            return nil
        }
        if let ihdr = pngChunks(b)?.first, ihdr.range.count >= 12 + 8 {
            let i = ihdr.range.lowerBound + 8
            func u32(_ at: Int) -> Int { Int(b[at]) << 24 | Int(b[at + 1]) << 16 | Int(b[at + 2]) << 8 | Int(b[at + 3]) }
            return (u32(i), u32(i + 4))
        }
        return nil
    }

    /// The image without metadata: JPEG without APP1 (EXIF, XMP), APP13 (IPTC) and comments;
    /// PNG without eXIf, tEXt, zTXt, iTXt and tIME. The pixels are untouched.
    public static func stripped(_ b: [UInt8]) -> [UInt8] {
        if let segments = jpegSegments(b) {
            var out: [UInt8] = [0xFF, 0xD8]
            for s in segments where ![0xE1, 0xED, 0xFE].contains(s.marker) { out += b[s.range] }
            return out
        }
        if let chunks = pngChunks(b) {
            var out = pngSignature
            for c in chunks where !["eXIf", "tEXt", "zTXt", "iTXt", "tIME"].contains(c.type) { out += b[c.range] }
            return out
        }
        return b
    }

    // MARK: JPEG

    /// The segments after SOI (marker, bytes including the marker), the entropy-coded data
    /// counted with the scan before it, up to and with EOI; nil when broken or with no frame.
    static func jpegSegments(_ b: [UInt8]) -> [(marker: UInt8, range: Range<Int>)]? {
        var out: [(UInt8, Range<Int>)] = []
        var i = 2, frame = false
        while i + 1 < b.count {
            guard b[i] == 0xFF else { return nil }
            var m = i + 1
            while m < b.count, b[m] == 0xFF { m += 1 }  // fill bytes
            guard m < b.count else { return nil }
            let marker = b[m]
            if marker == 0xD9 {
                out.append((marker, i..<(m + 1)))
                return frame ? out : nil
            }
            if (0xD0...0xD7).contains(marker) || marker == 0x01 {
                out.append((marker, i..<(m + 1)))
                i = m + 1
                continue
            }
            guard m + 2 < b.count else { return nil }
            let length = Int(b[m + 1]) << 8 | Int(b[m + 2])
            guard length >= 2, m + 1 + length <= b.count else { return nil }
            var end = m + 1 + length
            if (0xC0...0xCF).contains(marker), ![0xC4, 0xC8, 0xCC].contains(marker) { frame = true }
            if marker == 0xDA {  // the scan's data runs to the next marker that is not a restart or a stuffed byte
                while end + 1 < b.count, !(b[end] == 0xFF && b[end + 1] != 0x00 && !(0xD0...0xD7).contains(b[end + 1])) { end += 1 }
                guard end + 1 < b.count else { return nil }
            }
            out.append((marker, i..<end))
            i = end
        }
        return nil
    }

    // MARK: PNG

    public static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// The chunks after the signature (type, bytes with length and CRC), IHDR first and IEND
    /// last, every CRC right; nil otherwise.
    static func pngChunks(_ b: [UInt8]) -> [(type: String, range: Range<Int>)]? {
        var out: [(String, Range<Int>)] = []
        var i = 8
        while i + 12 <= b.count {
            let length = Int(b[i]) << 24 | Int(b[i + 1]) << 16 | Int(b[i + 2]) << 8 | Int(b[i + 3])
            guard length <= b.count - i - 12 else { return nil }
            let typeBytes = b[(i + 4)..<(i + 8)]
            guard typeBytes.allSatisfy({ (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }) else { return nil }
            let type = String(decoding: typeBytes, as: UTF8.self)
            let end = i + 12 + length
            let stored = UInt32(b[end - 4]) << 24 | UInt32(b[end - 3]) << 16 | UInt32(b[end - 2]) << 8 | UInt32(b[end - 1])
            guard crc32(b[(i + 4)..<(end - 4)]) == stored else { return nil }
            if out.isEmpty, type != "IHDR" { return nil }
            out.append((type, i..<end))
            if type == "IEND" { return out }
            i = end
        }
        return nil
    }

    static let crcTable: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    public static func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for byte in bytes { c = crcTable[Int((c ^ UInt32(byte)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }
}
