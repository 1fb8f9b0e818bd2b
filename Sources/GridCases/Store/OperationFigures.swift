import Foundation
import GridStore

/// What the operators' metrics read from the store at each scrape.
public struct OperationFigures: Sendable {
    /// Open cases (neither closed nor voided) by the level holding them — district, street,
    /// community or department — and how many of them are past their deadline.
    public var openCases: [String: (open: Int, overdue: Int)]
    /// Webhook deliveries not yet made.
    public var outboxBacklog: Int
}

extension StoreReader {
    public func operationFigures(now: Date = Date()) throws -> OperationFigures {
        var open: [String: (open: Int, overdue: Int)] = [:]
        for row in try SQLRow.fetchAll(try db.cachedStatement(sql: """
            SELECT CASE c.holder_kind WHEN 'department' THEN 'department' ELSE coalesce(r.level, 'none') END AS level,
                   count(*), coalesce(sum(c.due IS NOT NULL AND c.due < ?), 0)
            FROM cases c LEFT JOIN regions r ON c.holder_kind = 'region' AND r.code = c.holder
            WHERE c.status NOT IN ('closed', 'voided') GROUP BY level
            """), arguments: [StoreTime.text(now)]) {
            open[try row[0]] = (try row[1], try row[2])
        }
        let backlog = try Int.fetchOne(try db.cachedStatement(sql: "SELECT count(*) FROM outbox WHERE delivered_at IS NULL")) ?? 0
        return OperationFigures(openCases: open, outboxBacklog: backlog)
    }
}
