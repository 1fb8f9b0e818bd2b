import CPROJ
import GridGeometry

/// Transforms coordinates between CRSs with PROJ. Owns one PROJ context and caches every
/// transformer it makes (creating one is slow). Output is always in the visualisation axis
/// order: x = longitude/easting, y = latitude/northing.
///
/// Not thread-safe: one per thread or task.
public final class Projector {
    private let context: OpaquePointer
    private var transformers: [Pair: OpaquePointer] = [:]

    private struct Pair: Hashable {
        var from: CRS
        var to: CRS
    }

    public init() {
        context = proj_context_create()
        proj_log_level(context, PJ_LOG_NONE)
    }

    deinit {
        for p in transformers.values { proj_destroy(p) }
        proj_context_destroy(context)
    }

    /// Checks PROJ knows `crs`.
    public func validate(_ crs: CRS) throws(ProjError) {
        guard let p = proj_create(context, crs.definition) else {
            throw ProjError(message: "unknown CRS \(crs): \(lastError())")
        }
        proj_destroy(p)
    }

    public func transform(_ coordinates: [Coordinate], from: CRS, to: CRS) throws(ProjError) -> [Coordinate] {
        if from == to || coordinates.isEmpty { return coordinates }
        let p = try transformer(from: from, to: to)
        var out = coordinates
        let n = out.count
        out.withUnsafeMutableBufferPointer { buffer in
            buffer.withMemoryRebound(to: Double.self) { d in
                let stride = MemoryLayout<Coordinate>.stride
                _ = proj_trans_generic(p, PJ_FWD, d.baseAddress, stride, n, d.baseAddress! + 1, stride, n,
                                       nil, 0, 0, nil, 0, 0)
            }
        }
        if let bad = out.firstIndex(where: { !$0.x.isFinite || !$0.y.isFinite }) {
            let c = coordinates[bad]
            throw ProjError(message: "cannot transform (\(c.x), \(c.y)) from \(from) to \(to)")
        }
        return out
    }

    public func transform(_ g: Geometry, from: CRS, to: CRS) throws(ProjError) -> Geometry {
        if from == to { return g }
        do {
            return try g.mapCoordinateArrays { try transform($0, from: from, to: to) }
        } catch let e as ProjError {
            throw e
        } catch {
            throw ProjError(message: "\(error)")
        }
    }

    private func transformer(from: CRS, to: CRS) throws(ProjError) -> OpaquePointer {
        let key = Pair(from: from, to: to)
        if let p = transformers[key] { return p }
        guard let raw = proj_create_crs_to_crs(context, from.definition, to.definition, nil) else {
            throw ProjError(message: "no transformation from \(from) to \(to): \(lastError())")
        }
        defer { proj_destroy(raw) }
        guard let normalized = proj_normalize_for_visualization(context, raw) else {
            throw ProjError(message: "cannot normalise axis order from \(from) to \(to): \(lastError())")
        }
        transformers[key] = normalized
        return normalized
    }

    private func lastError() -> String {
        let code = proj_context_errno(context)
        guard let s = proj_context_errno_string(context, code) else { return "error \(code)" }
        return String(cString: s)
    }
}
