import CivicGridModel
import Foundation
import GRDB

extension StoreReader {
    public func categories() throws -> [CaseCategory] {
        try Row.fetchAll(db, sql: """
            SELECT code, major, major_name, major_name_en, name, name_en, kind, urgency, limits, department, duplicate_radius
            FROM case_categories ORDER BY code
            """).map(Self.category)
    }

    public func category(code: String) throws -> CaseCategory? {
        try Row.fetchOne(db, sql: """
            SELECT code, major, major_name, major_name_en, name, name_en, kind, urgency, limits, department, duplicate_radius
            FROM case_categories WHERE code = ?
            """, arguments: [code]).map(Self.category)
    }

    public func departments() throws -> [Department] {
        try Row.fetchAll(db, sql: "SELECT code, name, name_en, region, categories FROM departments ORDER BY code").map(Self.department)
    }

    public func department(code: String) throws -> Department? {
        try Row.fetchOne(db, sql: "SELECT code, name, name_en, region, categories FROM departments WHERE code = ?", arguments: [code]).map(Self.department)
    }

    /// The working calendar; the default (Monday–Friday, 08:30–12:00 and 13:30–17:30, UTC+8)
    /// until one is imported.
    public func calendar() throws -> WorkingCalendar {
        guard let text = try String.fetchOne(db, sql: "SELECT definition FROM calendar WHERE id = 1") else { return WorkingCalendar() }
        return try StoreJSON.decode(WorkingCalendar.self, text, "the calendar")
    }

    static func category(_ row: Row) throws -> CaseCategory {
        let code: String = row["code"]
        let raw = try StoreJSON.decode([String: TimeLimit].self, row["limits"], "category \(code)'s limits")
        var limits: [CaseStep: TimeLimit] = [:]
        for (step, limit) in raw {
            guard let s = CaseStep(rawValue: step) else { throw StoreError("category \(code): unknown step \(step)") }
            limits[s] = limit
        }
        guard let kind = CategoryKind(rawValue: row["kind"]), let urgency = Urgency(rawValue: row["urgency"]) else {
            throw StoreError("category \(code): unknown kind or urgency")
        }
        return CaseCategory(code: code, major: row["major"], majorName: row["major_name"], majorNameEn: row["major_name_en"],
                            name: row["name"], nameEn: row["name_en"], kind: kind, urgency: urgency, limits: limits,
                            department: row["department"], duplicateRadius: row["duplicate_radius"])
    }

    static func department(_ row: Row) throws -> Department {
        let code: String = row["code"]
        return Department(code: code, name: row["name"], nameEn: row["name_en"], region: row["region"],
                          categories: try StoreJSON.decode([String].self, row["categories"], "department \(code)'s categories"))
    }
}
