import CivicGridModel
import Foundation
import GridAssessment
import GridStore
import Hummingbird
import NIOCore

/// Assessment over HTTP, every answer scoped to who asks (a street sees its communities and
/// grids, a department itself, grid staff their own figures):
///
/// - `GET /api/v1/indicators?period=2026-10&level=street[&region=CODE|&department=CODE|&person=NAME]`:
///   each unit's counts, indicators (percent), step times, score, grade and change, counted now;
/// - `GET /api/v1/rankings?period=2026-10&level=community`: the same, ranked; a closed month's is
///   made once and kept;
/// - `GET /api/v1/statistics/cases?period=…&region=CODE`: cases by category, source, status,
///   hour and day; `GET /api/v1/statistics/basic?region=CODE`: the basic data.
///
/// `f=csv` answers the indicators and rankings as CSV (`excel=true`: with a byte order mark and
/// Chinese headers).
struct AssessmentController {
    let assessor: Assessor
    let access: Access

    static let readers: Set<Role> = [.admin, .dispatcher, .viewer, .department, .member]

    func register(on router: some RouterMethods<CivicContext>) {
        router.get("api/v1/indicators") { request, context in try await figures(request, context, keep: false) }
        router.get("api/v1/rankings") { request, context in try await figures(request, context, keep: true) }
        router.get("api/v1/statistics/cases") { request, context in try await cases(request, context) }
        router.get("api/v1/statistics/basic") { request, context in try await basic(request, context) }
    }

    func value(_ request: Request, _ key: String) throws -> String? {
        let all = request.uri.queryParameters.getAll(key)
        guard all.count <= 1 else { throw Problem.badRequest("\(key) given more than once") }
        guard let first = all.first else { return nil }
        let v = String(first)
        guard !v.isEmpty, v.unicodeScalars.count <= 64 else { throw Problem.badRequest("\(key): 1 to 64 characters") }
        return v
    }

    /// How a period is written (the OpenAPI document's pattern).
    static let periodPattern = #"(19[7-9][0-9]|[2-9][0-9]{3})(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01])(\.\.(19[7-9][0-9]|[2-9][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01]))?)?|-Q[1-4])?"#
    /// Compiled once; nil only if the pattern itself were broken (a test compiles it), and then
    /// every period is refused rather than the server stopped.
    nonisolated(unsafe) static let periodShape = try? Regex(periodPattern)

    func period(_ request: Request) throws -> Period {
        guard let text = try value(request, "period") else { throw Problem.badRequest("period is required: 2026-10, 2026-Q4, 2026, 2026-10-05 or 2026-10-01..2026-10-15") }
        guard let shape = Self.periodShape, text.wholeMatch(of: shape) != nil else {
            throw Problem.badRequest("period \(text): 2026-10, 2026-Q4, 2026, 2026-10-05 or 2026-10-01..2026-10-15")
        }
        // Written right but not a period: a day the calendar lacks, or a range ending before it starts.
        guard let p = Period(text) else { throw Problem(.unprocessableContent, "Refused", detail: "period \(text) is no period: no such day, or the range ends before it starts") }
        guard p.dayCount <= 3660 else { throw Problem(.unprocessableContent, "Refused", detail: "period \(text): at most ten years") }
        return p
    }

    /// Who asks, as the assessor scopes it: an account of the whole jurisdiction (a district's
    /// admin of the only district) sees as an unscoped one does.
    func viewer(_ account: Account, wholeJurisdiction: Bool) -> Viewer {
        let region = wholeJurisdiction ? nil : account.region
        return switch account.role {
        case .department: Viewer(region: region, department: account.department ?? "", person: nil)
        case .member: Viewer(region: region, department: nil, person: account.name)
        default: Viewer(region: region)
        }
    }

    static func problem(_ e: AssessmentError) -> Problem {
        switch e.kind {
        case .invalid: Problem.badRequest(e.description)
        case .notFound: Problem(.notFound, "Not found", detail: e.description)
        case .store: Problem(.internalServerError, "Internal error", detail: e.description)
        }
    }

    func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        do {
            return try await offload(work)
        } catch let e as AssessmentError {
            throw Self.problem(e)
        }
    }

    func figures(_ request: Request, _ context: CivicContext, keep: Bool) async throws -> Response {
        let account = try access.require(context, Self.readers, to: keep ? "read rankings" : "read indicators")
        let period = try period(request)
        let format = try value(request, "f") ?? "json"
        guard format == "json" || format == "csv" else { throw Problem.badRequest("f: json or csv") }
        let excel = try value(request, "excel")
        guard excel == nil || excel == "true" || excel == "false" else { throw Problem.badRequest("excel: true or false") }
        let region = try value(request, "region"), department = try value(request, "department"), person = try value(request, "person")
        guard [region, department, person].compactMap({ $0 }).count <= 1 else { throw Problem(.unprocessableContent, "Refused", detail: "name one of region, department and person") }
        var level = UnitLevel.street
        if let l = try value(request, "level") {
            guard let u = UnitLevel(rawValue: l), UnitLevel.assessed.contains(u) else {
                throw Problem.badRequest("level \(l): one of \(UnitLevel.assessed.map(\.rawValue).joined(separator: ", "))")
            }
            level = u
        }
        if department != nil { level = .department }
        if person != nil { level = .person }
        if let region, let root = account.region, !(try await access.store.asyncRead { try $0.isRegion(region, under: root) }) {
            throw Access.outOfScope(account, region, "read its figures")
        }
        let viewer = viewer(account, wholeJurisdiction: context.wholeJurisdiction), assessor = assessor, chosen = level
        var (ranking, data) = try await run { try assessor.ranking(level: chosen, period: period, region: region, viewer: viewer, keep: keep) }
        if let only = department ?? person {
            ranking.units = ranking.units.filter { $0.unit == only }
            data = ranking.json
        }
        if format == "csv" {
            let text = ranking.csv(excel: excel == "true")
            let name = "\(keep ? "ranking" : "indicators")-\(level.rawValue)-\(period).csv"
            return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(name)\""],
                            body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The region asked for, or the account's, or the top one.
    func region(_ request: Request, _ account: Account) async throws -> String {
        if let r = try value(request, "region") {
            if let root = account.region, !(try await access.store.asyncRead { try $0.isRegion(r, under: root) }) { throw Access.outOfScope(account, r, "read its statistics") }
            return r
        }
        if let r = account.region { return r }
        guard let top = try await access.store.asyncRead({ try $0.assessedRegions().values.filter { $0.level == .district }.map(\.code).min() }) else {
            throw Problem(.notFound, "Not found", detail: "no district")
        }
        return top
    }

    func cases(_ request: Request, _ context: CivicContext) async throws -> JSONAnswer<CaseStatistics> {
        let account = try access.require(context, [.admin, .dispatcher, .viewer], to: "read case statistics")
        let period = try period(request), region = try await region(request, account), assessor = assessor
        return JSONAnswer(try await run { try assessor.caseStatistics(period: period, region: region) })
    }

    func basic(_ request: Request, _ context: CivicContext) async throws -> JSONAnswer<BasicStatistics> {
        let account = try access.require(context, [.admin, .dispatcher, .viewer, .planner], to: "read basic statistics")
        let region = try await region(request, account), assessor = assessor
        return JSONAnswer(try await run { try assessor.basicStatistics(region: region) })
    }
}
