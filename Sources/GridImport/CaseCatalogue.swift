import CivicGridModel
import Foundation

/// The case catalogue's files: categories and departments as CSV (see Data/cases/), the
/// working calendar as JSON. Every refused line is named; nothing partial is returned.
public enum CaseCatalogue {
    /// With `departments`, a category naming a department not among them is refused.
    public static func categories(csv text: String, departments known: Set<String>? = nil) throws(ImportError) -> [CaseCategory] {
        let table = try CSVTable(text)
        try table.require(["code", "major", "major_name", "major_name_en", "name", "name_en", "kind", "urgency"])
        var out: [CaseCategory] = [], rejections: [Rejection] = [], seen = Set<String>()
        for (line, r) in table.records {
            func reject(_ reason: String) { rejections.append(Rejection(index: line, reason: reason, unit: "line")) }
            let code = table.value(r, "code"), major = table.value(r, "major")
            guard code.count >= 2, code.count <= 16, code.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
                reject("code \"\(code)\": expected 2–16 letters or digits"); continue
            }
            guard !major.isEmpty, code.hasPrefix(major), code != major else { reject("code \(code) must extend its major class \"\(major)\" (e.g. \(major)01)"); continue }
            guard seen.insert(code).inserted else { reject("code \(code) appears twice"); continue }
            guard let kind = CategoryKind(rawValue: table.value(r, "kind")) else {
                reject("kind \"\(table.value(r, "kind"))\": expected event or facility"); continue
            }
            guard let urgency = Urgency(rawValue: table.value(r, "urgency")) else {
                reject("urgency \"\(table.value(r, "urgency"))\": expected normal, urgent or emergency"); continue
            }
            var limits: [CaseStep: TimeLimit] = [:], bad: String?
            for step in CaseStep.allCases {
                let v = table.value(r, step.rawValue)
                if v.isEmpty { continue }
                guard let limit = TimeLimit(v) else { bad = "\(step.rawValue) limit \"\(v)\": expected e.g. 2h (working hours), 1d (working days) or 4nh (natural hours)"; break }
                limits[step] = limit
            }
            if let bad { reject(bad); continue }
            let names = ["major_name", "major_name_en", "name", "name_en"].map { table.value(r, $0) }
            guard names.allSatisfy({ !$0.isEmpty && $0.count <= 200 }) else { reject("names in Chinese and English must not be empty"); continue }
            let radiusText = table.value(r, "radius_m")
            let radius = radiusText.isEmpty ? 50 : Double(radiusText)
            guard let radius, radius.isFinite, radius >= 0, radius <= 10_000 else { reject("radius_m \"\(radiusText)\": expected metres from 0 to 10000"); continue }
            let department = table.value(r, "department")
            if let known, !department.isEmpty, !known.contains(department) {
                reject("department \(department) is not in the catalogue (\(known.sorted().prefix(8).joined(separator: ", "))\(known.count > 8 ? ", …" : ""))"); continue
            }
            let words = table.value(r, "words").split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard words.count <= 200, words.allSatisfy({ $0.count <= 40 }) else { reject("words: at most 200 phrases separated by |, each at most 40 characters"); continue }
            let autoText = table.value(r, "auto_dispatch").split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            let auto = autoText.compactMap(CaseSource.init(rawValue:))
            guard auto.count == autoText.count else {
                reject("auto_dispatch \"\(table.value(r, "auto_dispatch"))\": sources separated by ; (\(CaseSource.allCases.map(\.rawValue).joined(separator: ", ")))"); continue
            }
            out.append(CaseCategory(code: code, major: major, majorName: names[0], majorNameEn: names[1], name: names[2], nameEn: names[3],
                                    kind: kind, urgency: urgency, limits: limits, department: department.isEmpty ? nil : department,
                                    duplicateRadius: radius, words: words, autoDispatch: Set(auto)))
        }
        guard rejections.isEmpty else { throw .rejected(total: table.records.count, rejections) }
        return out
    }

    /// Labelled resident messages (columns `category`, `text`) the classifier learns from;
    /// each category must be among `categories`.
    public static func examples(csv text: String, categories: Set<String>) throws(ImportError) -> [(category: String, text: String)] {
        let table = try CSVTable(text)
        try table.require(["category", "text"])
        var out: [(category: String, text: String)] = [], rejections: [Rejection] = []
        for (line, r) in table.records {
            let category = table.value(r, "category"), message = table.value(r, "text").trimmingCharacters(in: .whitespacesAndNewlines)
            if !categories.contains(category) {
                rejections.append(Rejection(index: line, reason: "category \(category) is not in the catalogue", unit: "line"))
            } else if message.isEmpty || message.count > 500 {
                rejections.append(Rejection(index: line, reason: "text: 1 to 500 characters", unit: "line"))
            } else {
                out.append((category, message))
            }
        }
        guard rejections.isEmpty else { throw .rejected(total: table.records.count, rejections) }
        return out
    }

    /// Routing rules (columns `category` — a minor code or a major class —, `region` — the
    /// root of the subtree, empty for everywhere —, `department`, `priority` — an integer,
    /// higher wins, 0 when empty), checked against the catalogue and the known regions.
    public static func routingRules(csv text: String, categories: [CaseCategory], departments: Set<String>, regions: Set<String>) throws(ImportError) -> [RoutingRule] {
        let table = try CSVTable(text)
        try table.require(["category", "department"])
        let codes = Set(categories.map(\.code) + categories.map(\.major))
        var out: [RoutingRule] = [], rejections: [Rejection] = []
        for (line, r) in table.records {
            let category = table.value(r, "category"), region = table.value(r, "region"), department = table.value(r, "department")
            let priorityText = table.value(r, "priority")
            var why: [String] = []
            if !codes.contains(category) { why.append("category \(category) is neither a category nor a major class of the catalogue") }
            if !region.isEmpty, !regions.contains(region) { why.append("region \(region) is not in the database") }
            if !departments.contains(department) { why.append("department \(department) is not in the catalogue") }
            let priority = priorityText.isEmpty ? 0 : Int(priorityText)
            if priority == nil || abs(priority ?? 0) > 1_000_000 { why.append("priority \"\(priorityText)\": an integer (higher wins)") }
            guard why.isEmpty, let priority else { rejections.append(Rejection(index: line, reason: why.joined(separator: "; "), unit: "line")); continue }
            out.append(RoutingRule(category: category, region: region.isEmpty ? nil : region, department: department, priority: priority))
        }
        guard rejections.isEmpty else { throw .rejected(total: table.records.count, rejections) }
        return out
    }

    /// Duty phones from CSV (columns holder — a department's or a region's code —, name, phone),
    /// every line checked; all or nothing.
    public static func dutyPhones(csv text: String, holders: Set<String>) throws(ImportError) -> [DutyPhone] {
        let table = try CSVTable(text)
        try table.require(["holder", "name", "phone"])
        var out: [DutyPhone] = [], rejections: [Rejection] = [], seen = Set<String>()
        for (line, r) in table.records {
            let holder = table.value(r, "holder"), name = table.value(r, "name"), phone = table.value(r, "phone")
            var why: [String] = []
            if !holders.contains(holder) { why.append("holder \(holder): no department or region has this code") }
            if !seen.insert(holder).inserted { why.append("holder \(holder) appears twice") }
            if name.isEmpty || name.count > 100 { why.append("name: 1 to 100 characters") }
            if !(5...32).contains(phone.count) || !phone.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "+" || $0 == "-") }) {
                why.append("phone \(phone): 5 to 32 digits, + and -")
            }
            guard why.isEmpty else { rejections.append(Rejection(index: line, reason: why.joined(separator: "; "), unit: "line")); continue }
            out.append(DutyPhone(holder: holder, name: name, phone: phone))
        }
        guard rejections.isEmpty else { throw .rejected(total: table.records.count, rejections) }
        return out
    }

    public static func departments(csv text: String) throws(ImportError) -> [Department] {
        let table = try CSVTable(text)
        try table.require(["code", "name", "categories"])
        var out: [Department] = [], rejections: [Rejection] = [], seen = Set<String>()
        for (line, r) in table.records {
            let code = table.value(r, "code"), name = table.value(r, "name")
            guard !code.isEmpty, code.count <= 40, !name.isEmpty else {
                rejections.append(Rejection(index: line, reason: "code and name must not be empty", unit: "line")); continue
            }
            guard seen.insert(code).inserted else { rejections.append(Rejection(index: line, reason: "code \(code) appears twice", unit: "line")); continue }
            let categories = table.value(r, "categories").split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            let region = table.value(r, "region"), nameEn = table.value(r, "name_en")
            out.append(Department(code: code, name: name, nameEn: nameEn.isEmpty ? nil : nameEn, region: region.isEmpty ? nil : region,
                                  categories: categories))
        }
        guard rejections.isEmpty else { throw .rejected(total: table.records.count, rejections) }
        return out
    }

    /// A decoding error in words: where in the document, and what was wrong.
    static func words(_ e: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            let p = keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return p.isEmpty ? "the document" : String(p.drop { $0 == "." })
        }
        func kind(_ type: Any.Type) -> String {
            switch type {
            case is Int.Type: "a whole number"
            case is String.Type: "a string"
            case is [Any].Type, is Set<Int>.Type: "a list"
            default: type == WorkingCalendar.Period.self ? "a period {\"start\": minutes, \"end\": minutes}" : "\(type)"
            }
        }
        switch e {
        case .typeMismatch(let type, let c): return "\(path(c.codingPath)): expected \(kind(type))"
        case .valueNotFound(let type, let c): return "\(path(c.codingPath)): expected \(kind(type)), found null"
        case .keyNotFound(let key, let c): return "\(path(c.codingPath + [key])) is missing"
        case .dataCorrupted(let c): return c.codingPath.isEmpty ? "the file is not JSON" : "\(path(c.codingPath)): \(c.debugDescription)"
        @unknown default: return "unreadable"
        }
    }

    public static func calendar(json data: Data) throws(ImportError) -> WorkingCalendar {
        let calendar: WorkingCalendar
        do {
            calendar = try JSONDecoder().decode(WorkingCalendar.self, from: data)
        } catch let e as DecodingError {
            throw .unreadable("not a calendar: \(Self.words(e))")
        } catch {
            throw .unreadable("not a calendar: the file is not JSON")
        }
        do {
            try calendar.validate()
        } catch {
            throw .unreadable("calendar: \(error)")
        }
        return calendar
    }
}
