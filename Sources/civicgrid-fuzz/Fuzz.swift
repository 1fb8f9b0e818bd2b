import Foundation
import GridWire

// The fuzz harness. Built with `-sanitize=fuzzer,address -DFUZZING` (Scripts/fuzz) it is a
// libFuzzer binary fuzzing the decoder CIVICGRID_FUZZ names; built plainly it replays files
// through one: `civicgrid-fuzz NAME FILE...` (the crashes kept as regression inputs).

#if FUZZING
nonisolated(unsafe) let harness = ProcessInfo.processInfo.environment["CIVICGRID_FUZZ"] ?? "geojson"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    FuzzEntry.run(harness, Data(bytes: data, count: size))
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

// SwiftPM links an executable's entry as `<module>_main` and aliases `main` to it, so
// libFuzzer's own main is not linked: this one starts libFuzzer's driver.
@_cdecl("civicgrid_fuzz_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var values = argv
    return LLVMFuzzerRunDriver(&count, &values) { data, size in fuzz(data, size) }
}
#else
@main
struct Replay {
    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        guard let name = arguments.first, FuzzEntry.names.contains(name) else {
            FileHandle.standardError.write(Data("usage: civicgrid-fuzz NAME FILE... (NAME: \(FuzzEntry.names.joined(separator: ", ")))\n".utf8))
            exit(2)
        }
        var n = 0
        for path in arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            FuzzEntry.run(name, data)
            n += 1
        }
        print("\(name): \(n) inputs, no crash")
    }
}
#endif
