import CivicGridModel
import Foundation
import GRDB

extension StoreWriter {
    /// Inserts or replaces categories by code.
    public func save(_ categories: [CaseCategory]) throws {
        let statement = try db.makeStatement(sql: """
            INSERT INTO case_categories (code, major, major_name, major_name_en, name, name_en, kind, urgency, limits, department, duplicate_radius)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (code) DO UPDATE SET major = excluded.major, major_name = excluded.major_name, major_name_en = excluded.major_name_en,
              name = excluded.name, name_en = excluded.name_en, kind = excluded.kind, urgency = excluded.urgency, limits = excluded.limits,
              department = excluded.department, duplicate_radius = excluded.duplicate_radius
            """)
        for c in categories {
            try statement.execute(arguments: [c.code, c.major, c.majorName, c.majorNameEn, c.name, c.nameEn, c.kind.rawValue, c.urgency.rawValue,
                                              try StoreJSON.encode(Dictionary(uniqueKeysWithValues: c.limits.map { ($0.key.rawValue, $0.value) })),
                                              c.department, c.duplicateRadius])
        }
    }

    /// Inserts or replaces departments by code.
    public func save(_ departments: [Department]) throws {
        let statement = try db.makeStatement(sql: """
            INSERT INTO departments (code, name, name_en, region, categories) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (code) DO UPDATE SET name = excluded.name, name_en = excluded.name_en, region = excluded.region,
              categories = excluded.categories
            """)
        for d in departments {
            if let region = d.region, try reader.region(code: region) == nil {
                throw StoreError("department \(d.code): no region \(region)")
            }
            try statement.execute(arguments: [d.code, d.name, d.nameEn, d.region, try StoreJSON.encode(d.categories)])
        }
    }

    /// Replaces the working calendar.
    public func save(_ calendar: WorkingCalendar) throws {
        try db.execute(sql: "INSERT INTO calendar (id, definition) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET definition = excluded.definition",
                       arguments: [try StoreJSON.encode(calendar)])
    }
}

/// JSON in a text column.
enum StoreJSON {
    static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String, _ what: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(text.utf8))
        } catch {
            throw StoreError("\(what) holds unreadable JSON: \(error)")
        }
    }
}
