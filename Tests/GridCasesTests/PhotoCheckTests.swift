import CivicGridModel
import Foundation
@testable import GridCases
import GridWire
import Testing

/// Photos known by their content, and served without what the camera wrote about the place
/// and time.
enum Photos {
    /// A JPEG of one grey pixel as a camera writes it: JFIF, then EXIF with a GPS position, a
    /// comment, the frame, the scan, the end.
    static var jpeg: [UInt8] {
        var b: [UInt8] = [0xFF, 0xD8]
        func segment(_ marker: UInt8, _ payload: [UInt8]) { b += [0xFF, marker, UInt8((payload.count + 2) >> 8), UInt8((payload.count + 2) & 0xFF)] + payload }
        segment(0xE0, Array("JFIF".utf8) + [0, 1, 1, 0, 0, 1, 0, 1, 0, 0])
        segment(0xE1, Array("Exif".utf8) + [0, 0] + Array("GPSLatitude 31.3051 GPSLongitude 120.7025".utf8))
        segment(0xFE, Array("taken by 13800001234".utf8))
        segment(0xDB, [0] + [UInt8](repeating: 1, count: 64))
        segment(0xC0, [8, 0, 1, 0, 1, 1, 1, 0x11, 0])
        segment(0xDA, [1, 1, 0, 0, 63, 0])
        b += [0x12, 0x34, 0xFF, 0x00, 0x56, 0xFF, 0xD0, 0x78]  // entropy-coded data with a stuffed byte and a restart
        b += [0xFF, 0xD9]
        return b
    }

    /// A PNG of one pixel with a text chunk naming a place and a time chunk.
    static var png: [UInt8] {
        var b = PhotoBytes.pngSignature
        func chunk(_ type: String, _ data: [UInt8]) {
            let body = Array(type.utf8) + data
            let crc = PhotoBytes.crc32(body[...])
            b += [UInt8(data.count >> 24), UInt8((data.count >> 16) & 0xFF), UInt8((data.count >> 8) & 0xFF), UInt8(data.count & 0xFF)] + body
                + [UInt8(crc >> 24), UInt8((crc >> 16) & 0xFF), UInt8((crc >> 8) & 0xFF), UInt8(crc & 0xFF)]
        }
        chunk("IHDR", [0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0])
        chunk("tEXt", Array("Location".utf8) + [0] + Array("31.3051,120.7025".utf8))
        chunk("tIME", [0x07, 0xEA, 11, 30, 9, 0, 0])
        chunk("IDAT", [0x78, 0x9C, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01])
        chunk("IEND", [])
        return b
    }
}

struct PhotoCheckTests {
    @Test func aJPEGLosesItsMetadataAndKeepsItsPixels() throws {
        let photo = try PhotoCheck.inspect(Photos.jpeg)
        #expect(photo.mediaType == "image/jpeg" && photo.bytes == Photos.jpeg.count && photo.sha256.count == 64)
        let clean = PhotoBytes.stripped(Photos.jpeg)
        let text = String(decoding: clean, as: UTF8.self)
        #expect(!text.contains("GPSLatitude") && !text.contains("Exif") && !text.contains("13800001234"))
        #expect(text.contains("JFIF"))
        #expect(clean.suffix(12) == Photos.jpeg.suffix(12), "the scan and its end untouched")
        #expect(try PhotoCheck.inspect(clean).mediaType == "image/jpeg", "what is served is still a JPEG")
    }

    @Test func aPNGLosesItsTextAndTime() throws {
        #expect(try PhotoCheck.inspect(Photos.png).mediaType == "image/png")
        let clean = PhotoBytes.stripped(Photos.png)
        #expect(!String(decoding: clean, as: UTF8.self).contains("Location") && !String(decoding: clean, as: UTF8.self).contains("tIME"))
        #expect(try PhotoCheck.inspect(clean).mediaType == "image/png")
        #expect(clean.count == Photos.png.count - (12 + 25) - (12 + 7))
    }

    @Test func anythingElseIsRefused() {
        var badCRC = Photos.png
        badCRC[40] ^= 0xFF
        let cases: [([UInt8], String)] = [
            (Array("GIF89a not a photo".utf8), "JPEG or PNG"), ([], "empty"),
            (Array(Photos.jpeg.dropLast(6)), "JPEG but"), (Array(Photos.jpeg.prefix(3)), "JPEG but"),
            (badCRC, "PNG but"), (Array(Photos.png.dropLast(12)), "PNG but"),
            ([0xFF, 0xD8, 0xFF, 0xD9], "JPEG but"),  // no frame
            ([UInt8](repeating: 0, count: PhotoCheck.maxBytes + 1), "over 10 MB"),
        ]
        for (bytes, reason) in cases {
            #expect(throws: CaseError.self) { try PhotoCheck.inspect(bytes) }
            do { _ = try PhotoCheck.inspect(bytes) } catch { #expect(error.message.contains(reason), "\(error.message)") }
        }
    }
}

/// Issue 33: photos are kept without their metadata, and a header claiming a huge image (a
/// decompression bomb) is refused.
struct PhotoKeepingTests {
    @Test func aPhotoIsStoredStripped() throws {
        let (photo, bytes) = try PhotoCheck.prepared(Photos.jpeg)
        #expect(bytes == PhotoBytes.stripped(Photos.jpeg) && photo.bytes == bytes.count)
        #expect(photo.sha256 == (try PhotoCheck.inspect(bytes)).sha256, "the digest is of what is stored")
        #expect(!String(decoding: bytes, as: UTF8.self).contains("GPSLatitude"))
        #expect(PhotoBytes.dimensions(Photos.jpeg)! == (1, 1) && PhotoBytes.dimensions(Photos.png)! == (1, 1))
    }

    @Test(arguments: [(12_001, 10), (10, 12_001), (8_000, 7_000), (65_535, 65_535)])
    func hugeJPEGsAreRefused(width: Int, height: Int) {
        var jpeg = Photos.jpeg
        let sof = jpeg.firstIndex(of: 0xC0).map { $0 + 1 }!  // the frame's length follows its marker
        jpeg[sof + 3] = UInt8(height >> 8); jpeg[sof + 4] = UInt8(height & 0xFF)
        jpeg[sof + 5] = UInt8(width >> 8); jpeg[sof + 6] = UInt8(width & 0xFF)
        #expect(PhotoBytes.dimensions(jpeg)! == (width, height))
        #expect(throws: CaseError.self) { try PhotoCheck.inspect(jpeg) }
    }
}
