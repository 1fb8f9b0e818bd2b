import Foundation
import GridGeometry

/// One change a planner makes to a draft. JSON form (`op` names the operation):
///
/// - `{"op":"move","buildings":[12,13],"to":"C001002"}`: buildings join a neighbouring grid;
/// - `{"op":"merge","grids":["C001002","C001003"]}`: two adjacent grids become one (the first code stays);
/// - `{"op":"split","grid":"C001002"}` in two automatically, or along a drawn
///   `"line":{"type":"LineString",...}` (lon/lat) crossing the grid;
/// - `{"op":"reshape","grid":"C001002","geometry":{"type":"Polygon",...}}`: the grid's new
///   boundary; the neighbours give or take what changes hands;
/// - `{"op":"rename","grid":"C001002","name":"...","code":"..."}`: a new name and/or code.
public enum Edit: Hashable, Sendable {
    case move(buildings: [Int64], to: String)
    case merge(String, String)
    case split(grid: String, line: LineString?)
    case reshape(grid: String, polygon: Polygon)
    case rename(grid: String, code: String?, name: String?)

    public static let operations = ["move", "merge", "split", "reshape", "rename"]

    /// Reads one edit, or a non-empty array of them, from a request body; the error names
    /// the edit (by index) and the member that is wrong.
    public static func list(json data: Data) throws(WireError) -> [Edit] {
        let value: JSONValue
        do { value = try JSONValue.decode(data) } catch let e as JSONValue.DuplicateKey {
            throw WireError("\(e)")
        } catch {
            throw WireError("the body is not JSON: one edit object or an array of them")
        }
        guard case .array(let items) = value else { return [try Edit(value)] }
        guard !items.isEmpty else { throw WireError("an empty list of edits") }
        var edits: [Edit] = []
        for (i, item) in items.enumerated() {
            do { edits.append(try Edit(item)) } catch { throw WireError("edit \(i): \(error.reason)", kind: error.kind) }
        }
        return edits
    }

    /// Reads an edit from its JSON form; the error says which member is wrong.
    public init(json data: Data) throws(WireError) {
        let value: JSONValue
        do { value = try JSONValue.decode(data) } catch let e as JSONValue.DuplicateKey {
            throw WireError("\(e)")
        } catch {
            throw WireError("the edit is not a JSON object")
        }
        try self.init(value)
    }

    /// Reads an edit from a decoded JSON value.
    public init(_ value: JSONValue) throws(WireError) {
        guard case .object(let object) = value else { throw WireError("the edit is not a JSON object") }
        // A name up to 100 characters, codes up to 64, as the API document says: a longer one
        // is refused with the body, before the plan's version is compared.
        func fits(_ key: String, _ s: String) -> Bool { !s.isEmpty && s.unicodeScalars.count <= (key == "name" ? 100 : 64) }
        func string(_ key: String) throws(WireError) -> String {
            guard case .string(let s)? = object[key], fits(key, s) else {
                throw WireError("\"\(key)\" must be a non-empty string of at most \(key == "name" ? 100 : 64) characters")
            }
            return s
        }
        func optionalString(_ key: String) throws(WireError) -> String? {
            switch object[key] {
            case nil, .null?: return nil
            case .string(let s)? where fits(key, s): return s
            default: throw WireError("\"\(key)\" must be a non-empty string of at most \(key == "name" ? 100 : 64) characters")
            }
        }
        /// A GeoJSON geometry, held to the same rules as an import's: finite coordinates,
        /// longitudes within ±180, latitudes within ±90. An object that is no such geometry is
        /// refused (422): its shape is right, its content is not.
        func geometry(_ key: String) throws(WireError) -> Geometry? {
            guard let v = object[key], !v.isNull else { return nil }
            guard case .object = v, let bytes = try? JSONEncoder().encode(v) else {
                throw WireError("\"\(key)\" must be a GeoJSON geometry object")
            }
            do {
                let g = try GeoJSON.decodeGeometry(bytes)
                try g.checkCoordinates()
                return g
            } catch { throw WireError("\"\(key)\": \(error)", kind: .refused) }
        }
        let op = try string("op")
        let members: [String: Set<String>] = ["move": ["buildings", "to"], "merge": ["grids"], "split": ["grid", "line"], "reshape": ["grid", "geometry"],
                                              "rename": ["grid", "name", "code"], "recode": ["grid", "name", "code"]]
        if let known = members[op], let extra = object.keys.sorted().first(where: { $0 != "op" && !known.contains($0) }) {
            throw WireError("\"\(extra)\" is not a member of a \(op) edit (\(known.sorted().joined(separator: ", ")))")
        }
        switch op {
        case "move":
            guard case .array(let list)? = object["buildings"], !list.isEmpty else {
                throw WireError("\"buildings\" must be a non-empty array of building ids")
            }
            var ids: [Int64] = []
            for (i, v) in list.enumerated() {
                guard case .number(let d) = v, let id = Int64(exactly: d) else {
                    throw WireError("buildings[\(i)] is not a building id (a whole number)")
                }
                ids.append(id)
            }
            self = .move(buildings: ids, to: try string("to"))
        case "merge":
            guard case .array(let list)? = object["grids"], list.count == 2,
                  case .string(let a) = list[0], case .string(let b) = list[1], fits("grids", a), fits("grids", b), a != b else {
                throw WireError("\"grids\" must name two different grids")
            }
            self = .merge(a, b)
        case "split":
            let grid = try string("grid")
            switch try geometry("line") {
            case nil: self = .split(grid: grid, line: nil)
            case .lineString(let l): self = .split(grid: grid, line: l)
            case let g?: throw WireError("\"line\" must be a LineString, not a \(g.typeName)")
            }
        case "reshape":
            let grid = try string("grid")
            switch try geometry("geometry") {
            case .polygon(let p)?: self = .reshape(grid: grid, polygon: p)
            case .multiPolygon(let ps)? where ps.count == 1: self = .reshape(grid: grid, polygon: ps[0])
            case let g?: throw WireError("\"geometry\" must be a Polygon, not a \(g.typeName)")
            case nil: throw WireError("\"geometry\" (the grid's new boundary, a Polygon) is missing")
            }
        case "rename", "recode":
            let code = try optionalString("code"), name = try optionalString("name")
            guard code != nil || name != nil else { throw WireError("a rename needs \"name\" or \"code\"") }
            self = .rename(grid: try string("grid"), code: code, name: name)
        default:
            throw WireError("unknown op \"\(op)\"; ops: \(Self.operations.joined(separator: ", "))")
        }
    }

    /// The edit as the audit log keeps it (geometries as vertex counts, not coordinates).
    public var summary: [String: Any] {
        switch self {
        case .move(let b, let to): ["op": "move", "buildings": b, "to": to]
        case .merge(let a, let b): ["op": "merge", "grids": [a, b]]
        case .split(let g, let line):
            line.map { ["op": "split", "grid": g, "line_vertices": $0.coordinates.count] } ?? ["op": "split", "grid": g]
        case .reshape(let g, let p): ["op": "reshape", "grid": g, "vertices": p.exterior.coordinates.count]
        case .rename(let g, let code, let name):
            ["op": "rename", "grid": g, "code": code ?? NSNull(), "name": name ?? NSNull()] as [String: Any]
        }
    }
}
