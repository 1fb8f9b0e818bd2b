import CivicGridModel
import Foundation

/// The working calendar: every deadline is counted on it, and the assessment's tallies by it.
extension StoreReader {
    /// The working calendar; the default (Monday–Friday, 08:30–12:00 and 13:30–17:30, UTC+8)
    /// until one is imported.
    public func calendar() throws -> WorkingCalendar {
        guard let text = try String.fetchOne(try db.cachedStatement(sql: "SELECT definition FROM calendar WHERE id = 1")) else { return WorkingCalendar() }
        return try StoreJSON.decodeCached(WorkingCalendar.self, text, "the calendar")
    }
}

extension StoreWriter {
    /// Replaces the working calendar; the assessment's tallies (local days, working time) are
    /// counted again.
    public func save(_ calendar: WorkingCalendar) throws {
        try db.cachedStatement(sql: "INSERT INTO calendar (id, definition) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET definition = excluded.definition").execute(arguments: [try StoreJSON.encode(calendar)])
        try recountAssessment()
    }

    /// Every case counted again from nothing (after the calendar changed).
    public func recountAssessment() throws {
        try db.execute(sql: """
            DELETE FROM assessment_daily;
            DELETE FROM assessment_monthly;
            DELETE FROM assessment_dirty;
            INSERT INTO assessment_dirty (fid, upto, category) SELECT fid, 0, NULL FROM cases;
            """)
    }
}
