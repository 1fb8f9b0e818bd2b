import Foundation
import GridGeometry
import GridStore
import GridTiles
import GridTracking
import GridWire

/// The query parameters of `/collections/{id}/items`, checked: OGC API – Features Part 1
/// (`bbox`, `bbox-crs`, `limit`, `datetime`), queryables as parameters (Part 3: each property
/// by name, numeric ones also as `name_min` / `name_max`), `properties=`, `plan=` for grids,
/// and the paging cursors `after` / `before` that the `next` / `prev` links carry. Anything
/// else is refused, so a misspelt filter never silently returns everything.
enum ItemsParameters {
    static let crs84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
    static let maxLimit = 10_000
    /// The largest id or integer the API takes: what a JSON number holds exactly.
    static let maxID: Int64 = 9_007_199_254_740_991

    /// Parameters every collection takes, with what they mean (for errors and the OpenAPI document).
    static let common = ["f", "bbox", "bbox-crs", "limit", "after", "before", "properties"]

    /// Every parameter `layer` takes.
    static func names(_ layer: FeatureLayer) -> [String] {
        var names = common + (layer.hasTime ? ["datetime"] : []) + (layer.takesPlan ? ["plan"] : [])
        for p in layer.fields where !names.contains(p.name) {
            names.append(p.name)
            if p.type == .integer || p.type == .number { names += ["\(p.name)_min", "\(p.name)_max"] }
        }
        return names
    }

    static func parse(_ layer: FeatureLayer, _ parameters: [(String, String)]) throws(Problem) -> FeatureQuery {
        var query = FeatureQuery()
        var seen = Set<String>()
        let allowed = Set(names(layer))
        for (name, value) in parameters {
            guard allowed.contains(name) else {
                throw .badRequest("unknown parameter \"\(name)\"; \(layer.name) items take: \(names(layer).joined(separator: ", "))")
            }
            guard seen.insert(name).inserted else { throw .badRequest("parameter \"\(name)\" given twice") }
            switch name {
            case "f":
                guard ["json", "geojson"].contains(value) else { throw .badRequest("f=\(value): items are served as f=json (GeoJSON) only") }
            case "bbox": query.boxes = try boxes(value)
            case "bbox-crs":
                guard value == crs84 else { throw .badRequest("bbox-crs \(value) is not supported: only \(crs84)") }
            case "limit":
                guard let n = Int(value), (1...maxLimit).contains(n) else {
                    throw .badRequest("limit \"\(value)\" must be an integer from 1 to \(maxLimit)")
                }
                query.limit = n
            case "after", "before":
                guard (1...200).contains(value.unicodeScalars.count) else { throw .badRequest("\(name): a feature id of 1 to 200 characters") }
                // Which ids there are depends on the collection (/collections/{id}/items): 422.
                guard layer.textIDs || value.wholeMatch(of: /[+-]?[0-9]{1,18}/) != nil else {
                    throw Problem(.unprocessableContent, "Refused", detail: "\(name) \"\(value)\" is not a feature id of \(layer.name) (a number)")
                }
                if name == "after" { query.after = value } else { query.before = value }
            case "properties":
                let list = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                let known = Set(layer.fields.map(\.name))
                if let bad = list.first(where: { !known.contains($0) }) {
                    throw Problem(.unprocessableContent, "Refused", detail: "properties: no property \"\(bad)\"; \(layer.name) has \(layer.fields.map(\.name).joined(separator: ", "))")
                }
                query.properties = list
            case "datetime": query.time = try interval(value)
            case "plan":
                guard let plan = Int64(value), (0...maxID).contains(plan) else { throw .badRequest("plan \"\(value)\" is not a plan id (0 to 2^53 − 1)") }
                query.plan = plan
            default:
                try filter(layer, name, value, &query)
            }
        }
        if query.after != nil && query.before != nil { throw Problem(.unprocessableContent, "Refused", detail: "after and before cannot both be given") }
        return query
    }

    private static func filter(_ layer: FeatureLayer, _ name: String, _ value: String, _ query: inout FeatureQuery) throws(Problem) {
        for (suffix, isMin) in [("_min", true), ("_max", false)] where name.hasSuffix(suffix) {
            let property = String(name.dropLast(suffix.count))
            guard layer.fields.contains(where: { $0.name == property }) else { continue }
            guard let number = Double(decimal: value) else { throw .badRequest("\(name) \"\(value)\" is not a number") }
            query.ranges.append(isMin ? (property, number, nil) : (property, nil, number))
            return
        }
        guard let p = layer.descriptor.field(name) else { throw .badRequest("unknown parameter \"\(name)\"") }
        switch p.type {
        case .integer where Int64(value).map({ abs($0) <= maxID }) != true: throw .badRequest("\(name) \"\(value)\" is not an integer within ±(2^53 − 1)")
        case .number where Double(decimal: value) == nil: throw .badRequest("\(name) \"\(value)\" is not a number")
        case .dateTime: throw .badRequest("\(name): filter times with datetime=")
        default: query.equals.append((name, value))
        }
    }

    /// `minLon,minLat,maxLon,maxLat` (or six numbers with heights, which are ignored). A
    /// box whose west edge lies east of its east edge crosses the antimeridian (OGC API –
    /// Features 1.0, 7.15.3) and is read as two boxes, west and east of it.
    static func boxes(_ text: String) throws(Problem) -> [BoundingBox] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        let numbers = parts.compactMap { Double(decimal: $0.trimmingCharacters(in: .whitespaces)) }
        guard numbers.count == parts.count, [4, 6].contains(numbers.count) else {
            throw .badRequest("bbox \"\(text)\" must be 4 numbers (minLon,minLat,maxLon,maxLat) or 6 with heights")
        }
        let (x0, y0, x1, y1) = numbers.count == 4 ? (numbers[0], numbers[1], numbers[2], numbers[3]) : (numbers[0], numbers[1], numbers[3], numbers[4])
        guard (-180...180).contains(x0), (-180...180).contains(x1) else { throw .badRequest("bbox longitudes \(x0), \(x1) must be within -180…180") }
        guard (-90...90).contains(y0), (-90...90).contains(y1) else {
            throw Problem(.unprocessableContent, "Refused", detail: "bbox latitudes \(y0), \(y1) must be within -90…90")
        }
        guard y0 <= y1 else { throw Problem(.unprocessableContent, "Refused", detail: "bbox minimum latitude \(y0) is greater than the maximum \(y1)") }
        if x0 > x1 {
            return [BoundingBox(minX: x0, minY: y0, maxX: 180, maxY: y1), BoundingBox(minX: -180, minY: y0, maxX: x1, maxY: y1)]
        }
        return [BoundingBox(minX: x0, minY: y0, maxX: x1, maxY: y1)]
    }

    /// An RFC 3339 instant or interval (`start/end`, either end open as `..` or empty), as
    /// Unix seconds. A date alone covers its whole day (UTC).
    static func interval(_ text: String) throws(Problem) -> (start: Double?, end: Double?) {
        let ends = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard (1...2).contains(ends.count) else { throw .badRequest("datetime \"\(text)\" must be an instant or start/end") }
        if ends.count == 1 {
            let (start, end) = try instant(ends[0])
            return (start, end)
        }
        let start = ends[0].isEmpty || ends[0] == ".." ? nil : try instant(ends[0]).start
        let end = ends[1].isEmpty || ends[1] == ".." ? nil : try instant(ends[1]).end
        if start == nil && end == nil { throw Problem(.unprocessableContent, "Refused", detail: "datetime \"\(text)\": both ends open") }
        if let start, let end, start > end { throw Problem(.unprocessableContent, "Refused", detail: "datetime \"\(text)\": start after end") }
        return (start, end)
    }

    /// An RFC 3339 date, or date-time with a zone (the OpenAPI document's pattern).
    static let instantPattern = "[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([Tt]([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]{1,9})?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9]))?"
    /// Compiled once; nil only if the pattern itself were broken (a test compiles it).
    nonisolated(unsafe) static let instantShape = try? Regex(instantPattern)

    /// A time as [start, end]: the instant itself, or a whole day. Written wrong: 400; written
    /// right but not in the calendar (February 30th): 422.
    private static func instant(_ text: String) throws(Problem) -> (start: Double, end: Double) {
        guard let shape = instantShape, text.wholeMatch(of: shape) != nil else {
            throw .badRequest("datetime \"\(text)\" is not an RFC 3339 time such as 2026-11-23T08:30:00Z, or a date")
        }
        let day = text.count == 10
        guard let t = Timestamp.parse(day ? text + "T00:00:00Z" : text) else {
            throw Problem(.unprocessableContent, "Refused", detail: "datetime \"\(text)\" is no time: the calendar has no such day")
        }
        return day ? (t, t + 86_400 - 0.001) : (t, t)
    }
}
