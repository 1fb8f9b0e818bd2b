import CivicGridModel
import Foundation
@testable import GridCases
import GridImport
import Testing

/// The classifier against the shipped catalogue and labelled messages: held-out accuracy by
/// five-fold cross-validation, and on messages it never learnt from.
struct CategoryClassifierTests {
    static let data = CaseFixture.repository.appendingPathComponent("Data/cases")

    static func catalogue() throws -> (categories: [CaseCategory], examples: [CategoryClassifier.Example]) {
        let categories = try CaseCatalogue.categories(csv: String(decoding: try Data(contentsOf: data.appendingPathComponent("categories.csv")), as: UTF8.self))
        let examples = try CaseCatalogue.examples(csv: String(decoding: try Data(contentsOf: data.appendingPathComponent("messages.csv")), as: UTF8.self),
                                                  categories: Set(categories.map(\.code)))
        return (categories, examples.map { CategoryClassifier.Example(category: $0.category, text: $0.text) })
    }

    /// What filing would make of each message: the category, or a resident's request when
    /// the classifier is unsure. Returns (minor right, major right, wrongly an emergency).
    static func score(_ classifier: CategoryClassifier, _ messages: [CategoryClassifier.Example], _ categories: [CaseCategory])
        -> (minor: Int, major: Int, wrongEmergency: [String]) {
        let urgency = Dictionary(uniqueKeysWithValues: categories.map { ($0.code, $0.urgency) })
        var minor = 0, major = 0, wrong: [String] = []
        for m in messages {
            let g = classifier.classify(m.text)
            let filed = g.flatMap { $0.confidence >= CategoryClassifier.threshold ? $0.category : nil } ?? CaseDesk.residentsRequest
            if filed == m.category { minor += 1 }
            if filed.prefix(2) == m.category.prefix(2) { major += 1 }
            if filed != m.category, urgency[filed] == .emergency { wrong.append("\(m.text) → \(filed)") }
        }
        return (minor, major, wrong)
    }

    @Test func heldOutAccuracyByFiveFoldCrossValidation() throws {
        let (categories, examples) = try Self.catalogue()
        #expect(examples.count >= 400 && Set(examples.map(\.category)) == Set(categories.map(\.code)), "several messages for every category")
        var minor = 0, major = 0, wrong: [String] = []
        for fold in 0..<5 {
            let training = examples.enumerated().filter { $0.offset % 5 != fold }.map(\.element)
            let held = examples.enumerated().filter { $0.offset % 5 == fold }.map(\.element)
            let s = Self.score(CategoryClassifier(categories: categories, examples: training), held, categories)
            minor += s.minor; major += s.major; wrong += s.wrongEmergency
        }
        let n = Double(examples.count)
        print("classifier, 5-fold held out: minor \(String(format: "%.1f", 100 * Double(minor) / n))%, major \(String(format: "%.1f", 100 * Double(major) / n))% of \(examples.count)")
        #expect(Double(minor) / n >= 0.88, "minor class: \(minor) of \(examples.count)")
        #expect(Double(major) / n >= 0.92, "major class: \(major) of \(examples.count)")
        #expect(wrong.isEmpty, "no message wrongly an emergency: \(wrong)")
    }

    /// Messages written after the classifier was tuned and never used to train it.
    @Test func unseenMessages() throws {
        let (categories, examples) = try Self.catalogue()
        let unseen = try CaseCatalogue.examples(csv: String(decoding: try Data(contentsOf: CaseFixture.repository.appendingPathComponent("Tests/Fixtures/cases/unseen-messages.csv")), as: UTF8.self),
                                                categories: Set(categories.map(\.code))).map { CategoryClassifier.Example(category: $0.category, text: $0.text) }
        let s = Self.score(CategoryClassifier(categories: categories, examples: examples), unseen, categories)
        let n = Double(unseen.count)
        print("classifier, unseen messages: minor \(String(format: "%.1f", 100 * Double(s.minor) / n))%, major \(String(format: "%.1f", 100 * Double(s.major) / n))% of \(unseen.count)")
        #expect(Double(s.minor) / n >= 0.85, "\(s.minor) of \(unseen.count)")
        #expect(s.wrongEmergency.isEmpty, "\(s.wrongEmergency)")
    }

    @Test func theIssuesMessagesAndNonsense() throws {
        let (categories, examples) = try Self.catalogue()
        let classifier = CategoryClassifier(categories: categories, examples: examples)
        let smoke = try #require(classifier.classify("旁边工厂三根烟囱日夜冒黑烟"))
        #expect(smoke.category == "0107" && smoke.confidence >= CategoryClassifier.threshold, "\(smoke)")
        #expect(classifier.classify("") == nil && classifier.classify("，。!? ") == nil, "nothing to go on")
        let nonsense = classifier.classify("你好你好")
        #expect(nonsense.map { $0.confidence < CategoryClassifier.threshold } ?? true, "unsure of a greeting: \(String(describing: nonsense))")
        // The ranking is a distribution over every category, best first.
        let ranked = classifier.rank("井盖没了")
        #expect(ranked.count == categories.count && ranked.first?.category == "5102")
        #expect(ranked.map(\.confidence).reduce(0, +) <= 1 + 1e-9 && zip(ranked, ranked.dropFirst()).allSatisfy { $0.confidence >= $1.confidence })
        // Words in no category's vocabulary: unsure, even with a single category to choose from.
        let one = CategoryClassifier(categories: categories.filter { $0.code == "0101" }, examples: [])
        #expect((one.classify("xyz qq")?.confidence ?? 0) < CategoryClassifier.threshold)
        #expect((one.classify("小区门口乱扔垃圾")?.confidence ?? 0) > 2 * (one.classify("xyz qq")?.confidence ?? 1))
        // An emergency class only on its own words: rain and mud are not a flood.
        #expect(classifier.classify("下雨天路上全是泥巴")?.category != "0402")
    }

    @Test func featuresArePairsOfHanCharactersAndAsciiWords() {
        #expect(CategoryClassifier.features("KTV太吵!") == ["ktv", "太", "太吵", "吵"])
        #expect(CategoryClassifier.normalised("  井盖, 没了 ") == "井盖没了")
    }
}
