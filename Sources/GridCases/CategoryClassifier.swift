import CivicGridModel
import Foundation
import GridStore
import Synchronization

/// Which category a resident's words describe: multinomial naive Bayes over the characters
/// and character pairs of the text (Chinese has no spaces; pairs carry most words), learnt from
/// labelled messages and each category's own words, plus a bonus for every phrase of the
/// category's word list the text contains. The confidence is the best category's share of the
/// posterior, with the text's evidence scaled to a fixed length (naive Bayes is otherwise sure
/// of everything a long message says), and with a background class beside the categories —
/// every feature equally likely — that takes the mass when the text's words are in no
/// category's vocabulary (the classifier is then unsure, not sure of the least bad). An emergency class is chosen only when one of its own
/// phrases is in the text: a message that merely resembles one goes to the next class, so that
/// no ordinary complaint sets off an emergency response.
public struct CategoryClassifier: Sendable {
    /// A category and how sure the classifier is of it (0…1).
    public struct Guess: Sendable, Hashable, Codable {
        public var category: String
        public var confidence: Double
    }

    /// A labelled message.
    public struct Example: Sendable, Hashable {
        public var category: String
        public var text: String
        public init(category: String, text: String) {
            self.category = category
            self.text = text
        }
    }

    /// Below this confidence a message is filed as a resident's request, flagged for a person
    /// to categorise.
    public static let threshold = 0.4
    /// Smoothing of the character counts, the evidence length the posterior is scaled to, and
    /// the weight of a phrase of the category's list (per √character), chosen by five-fold
    /// cross-validation on Data/cases/messages.csv.
    static let alpha = 0.1, evidence = 8.0, phraseWeight = 2.0

    struct Model: Sendable {
        var code: String
        var logPrior: Double
        var counts: [String: Double]
        var total: Double
        var phrases: [String]
        var emergency: Bool
    }

    let models: [Model]
    let vocabulary: Double

    public init(categories: [CaseCategory], examples: [Example]) {
        var counts: [String: [String: Double]] = [:], docs: [String: Double] = [:]
        for c in categories {
            for phrase in c.words + [c.name] { for g in Self.features(phrase) { counts[c.code, default: [:]][g, default: 0] += 1 } }
        }
        let known = Set(categories.map(\.code))
        for e in examples where known.contains(e.category) {
            docs[e.category, default: 0] += 1
            for g in Self.features(e.text) { counts[e.category, default: [:]][g, default: 0] += 1 }
        }
        var vocabulary = Set<String>()
        for c in counts.values { vocabulary.formUnion(c.keys) }
        self.vocabulary = Double(max(1, vocabulary.count))
        // Every category at least one message's weight, so that one without examples can win.
        let allDocs = docs.values.reduce(0, +) + Double(categories.count)
        models = categories.map { c in
            let own = counts[c.code] ?? [:]
            return Model(code: c.code, logPrior: log((docs[c.code, default: 0] + 1) / allDocs), counts: own, total: own.values.reduce(0, +),
                         phrases: c.words.map(Self.normalised).filter { !$0.isEmpty }, emergency: c.urgency == .emergency)
        }
    }

    /// Every category, most likely first (the confidences sum to 1 less the background's share).
    public func rank(_ text: String) -> [Guess] {
        let features = Self.features(text), plain = Self.normalised(text)
        guard !models.isEmpty else { return [] }
        let scale = Self.evidence / Double(max(1, features.count))
        var scores: [(Model, Double)] = models.map { m in
            let denominator = m.total + Self.alpha * vocabulary
            var likelihood = 0.0
            for f in features { likelihood += log((m.counts[f, default: 0] + Self.alpha) / denominator) }
            let phrases = m.phrases.reduce(0.0) { $0 + (plain.contains($1) ? Double($1.count).squareRoot() : 0) }
            return (m, m.logPrior + scale * likelihood + Self.phraseWeight * phrases)
        }
        scores.sort { $0.1 > $1.1 || ($0.1 == $1.1 && $0.0.code < $1.0.code) }
        let background = -log(Double(models.count + 1)) - Self.evidence * log(vocabulary)
        let top = max(scores[0].1, background)
        let sum = scores.reduce(exp(background - top)) { $0 + exp($1.1 - top) }
        return scores.map { Guess(category: $0.0.code, confidence: exp($0.1 - top) / sum) }
    }

    /// The category to file a message under: the best guess, except an emergency class none of
    /// whose phrases the text holds. nil for a text with nothing to go on.
    public func classify(_ text: String) -> Guess? {
        let plain = Self.normalised(text)
        guard !plain.isEmpty else { return nil }
        let emergency = Dictionary(uniqueKeysWithValues: models.map { ($0.code, $0) })
        return rank(text).first { g in
            guard let m = emergency[g.category], m.emergency else { return true }
            return m.phrases.contains { plain.contains($0) }
        }
    }

    /// Lower-cased Han characters, letters and digits, the rest dropped.
    static func normalised(_ text: String) -> String {
        String(String.UnicodeScalarView(text.lowercased().unicodeScalars.filter(Self.kept)))
    }

    static func kept(_ s: Unicode.Scalar) -> Bool {
        (0x4E00...0x9FFF).contains(s.value) || (0x3400...0x4DBF).contains(s.value) || (s.isASCII && (CharacterSet.alphanumerics.contains(s)))
    }

    static func isHan(_ s: Unicode.Scalar) -> Bool { (0x4E00...0x9FFF).contains(s.value) || (0x3400...0x4DBF).contains(s.value) }

    /// The features of a text: each Han character and each pair of neighbours within a run of
    /// Han characters; each run of ASCII letters and digits as one word (KTV, LED, 12345).
    static func features(_ text: String) -> [String] {
        var out: [String] = []
        var run: [Unicode.Scalar] = [], word = ""
        func endRun() {
            for (i, s) in run.enumerated() {
                out.append(String(s))
                if i + 1 < run.count { out.append(String(s) + String(run[i + 1])) }
            }
            run.removeAll()
        }
        for s in text.lowercased().unicodeScalars {
            if isHan(s) {
                if !word.isEmpty { out.append(word); word = "" }
                run.append(s)
            } else if s.isASCII, CharacterSet.alphanumerics.contains(s) {
                endRun()
                word.unicodeScalars.append(s)
            } else {
                endRun()
                if !word.isEmpty { out.append(word); word = "" }
            }
        }
        endRun()
        if !word.isEmpty { out.append(word) }
        return out
    }
}

extension CaseDesk {
    /// The category a resident's message goes under when the classifier is unsure (or the
    /// catalogue has nothing better): a resident's request, flagged for a person.
    public static let residentsRequest = "0901"

    private static let classifiers = Mutex<[String: CategoryClassifier]>([:])

    /// The classifier of the store's catalogue and labelled messages, made again when they
    /// change (a few milliseconds; kept between calls otherwise).
    public static func classifier(in r: StoreReader) throws -> CategoryClassifier {
        let version = try r.classifierVersion()
        if let c = classifiers.withLock({ $0[version] }) { return c }
        let made = CategoryClassifier(categories: try r.categories(),
                                      examples: try r.categoryExamples().map { CategoryClassifier.Example(category: $0.category, text: $0.text) })
        classifiers.withLock { cache in
            if cache.count >= 8 { cache.removeAll() }
            cache[version] = made
        }
        return made
    }

    /// The categories the classifier offers for a text, best first (at most `limit`).
    public func suggest(_ text: String, limit: Int = 3) throws(CaseError) -> [CategoryClassifier.Guess] {
        try read { r throws in Array(try Self.classifier(in: r).rank(text).prefix(limit)) }
    }

    /// `report` with the category from its words when none was chosen: the classifier's, kept
    /// with its confidence, or a resident's request flagged `needsCategory` when it is unsure.
    static func categorised(_ report: CaseReport, in r: StoreReader) throws -> CaseReport {
        guard report.category.isEmpty else { return report }
        var out = report
        let guess = try classifier(in: r).classify(report.description)
        if let guess, guess.confidence >= CategoryClassifier.threshold {
            out.category = guess.category
        } else {
            out.category = residentsRequest
            out.needsCategory = true
        }
        out.categoryConfidence = guess?.confidence ?? 0
        return out
    }
}
