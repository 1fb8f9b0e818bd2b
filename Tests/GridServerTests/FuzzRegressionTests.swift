import Foundation
import Hummingbird
import Testing
@testable import GridServer
import GridWire

/// Every input under Tests/Fixtures/fuzz (the seeds of Scripts/fuzz and each crash it found,
/// kept) replayed through its decoder: none may end the process.
struct FuzzRegressionTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/fuzz")

    @Test(arguments: FuzzEntry.names)
    func everyKeptInputIsDecodedOrRefused(name: String) throws {
        let folder = Self.fixtures.appendingPathComponent(name)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(!files.isEmpty, "a seed for \(name)")
        for file in files {
            #expect(FuzzEntry.run(name, try Data(contentsOf: folder.appendingPathComponent(file))))
        }
    }

    /// The crash Scripts/fuzz found in MultipartKit 4.7.1: a header name with a byte from 0x80
    /// indexed past its table. Refused before the parser sees it; a UTF-8 file name in a header
    /// value still passes.
    @Test func aNonASCIIHeaderNameIsRefused() throws {
        func body(_ header: String) -> ByteBuffer {
            ByteBuffer(string: "--XyZ\r\n\(header)\r\n\r\n{}\r\n--XyZ--\r\n")
        }
        #expect(throws: WireError.self) { try MultipartBody(body("Content-Dispositio\u{FF}n: form-data; name=\"report\""), boundary: "XyZ") }
        let ok = try MultipartBody(body("Content-Disposition: form-data; name=\"photo\"; filename=\"井盖照片.jpg\""), boundary: "XyZ")
        #expect(ok.parts.first?.filename == "井盖照片.jpg")
    }
}
