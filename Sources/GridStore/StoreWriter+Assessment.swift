import CivicGridModel
import Foundation

extension StoreWriter {
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
