import CivicGridModel
import Foundation
import GridGeometry
import NIOCore

/// The decoders a client's bytes reach, by name, for the fuzz harness (`civicgrid-fuzz`,
/// Scripts/fuzz): each must answer or throw on any input, never crash or hang.
public enum FuzzEntry {
    public static let names = ["geojson", "wkb", "gpkg", "native-batch", "osmand-query", "traccar-json", "owntracks", "request-line", "edit",
                               "open311-form", "multipart"]

    /// Runs one decoder on `data`; false for an unknown name.
    @discardableResult
    public static func run(_ name: String, _ data: Data) -> Bool {
        switch name {
        case "geojson": _ = try? GeoJSON.decodeDocument(data)
        case "wkb": _ = try? WKB.decode(data)
        case "gpkg": _ = try? GeoPackageBinary.decode(data); _ = try? GeoPackageBinary.envelope(data)
        case "native-batch": _ = try? NativeBatch.decode(data)
        case "osmand-query":
            let parameters = FormParameters.parse(String(decoding: data, as: UTF8.self))
            _ = OsmAnd.deviceID(parameters)
            for unit in SpeedUnit.allCases { _ = try? OsmAnd.decode(parameters, speedUnit: unit) }
        case "traccar-json": _ = try? OsmAnd.decodeJSON(data)
        case "owntracks": _ = try? OwnTracks.decode(data)
        case "request-line":
            let buffer = ByteBuffer(bytes: data)
            if let end = RequestHead.end(buffer, from: 0), let head = buffer.getSlice(at: buffer.readerIndex, length: end) {
                _ = RequestHead.mend(head)
            }
        case "edit": _ = try? Edit.list(json: data)
        case "open311-form":
            if let form = try? FormParameters.parseBody(String(decoding: data, as: UTF8.self)) {
                _ = form["lat"].flatMap { Double(decimal: $0) }
            }
        case "multipart":
            // The first line is the boundary, the rest the body.
            guard let nl = data.firstIndex(of: 10) else { return true }
            let boundary = MultipartBody.boundary("multipart/form-data; boundary=" + String(decoding: data[..<nl], as: UTF8.self))
            if let boundary, let form = try? MultipartBody(ByteBuffer(bytes: data[(nl + 1)...]), boundary: boundary) {
                for part in form.parts where (try? PhotoBytes.check(part.body)) != nil { _ = PhotoBytes.stripped(part.body) }
            }
        default: return false
        }
        return true
    }
}
