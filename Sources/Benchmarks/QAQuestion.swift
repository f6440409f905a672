/// A question of a QA set with short gold answers (the qa-dev format), and choosing which questions a run asks:
/// the qa-dev article split and a seeded sample.
import Foundation
import RAGCore

/// One line of a QA file: `{"id", "question", "answers": [...], "passage_ids": [...]}` (`passage_ids` optional).
public struct QAQuestion: Sendable, Equatable {
    public var id: String
    public var question: String
    public var answers: [String]
    /// The passages the question was written on: BEIR `_id`s of a JSONL corpus, or file paths relative to a
    /// corpus folder. Empty when the file gives none (then no hit figures).
    public var passageIDs: [String]

    public init(id: String, question: String, answers: [String], passageIDs: [String] = []) {
        self.id = id
        self.question = question
        self.answers = answers
        self.passageIDs = passageIDs
    }

    /// Reads a QA file. Blank lines are skipped; ids may be strings or numbers (compared as strings, as
    /// `qa_score.py` does). A line without an id, a question or at least one gold answer, or an id seen before, is
    /// an `invalid_input` error naming the file and line.
    public static func load(path: String) throws -> [QAQuestion] {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw RAGError(.notFound, "cannot read QA file \(path): \(error.localizedDescription)")
        }
        var out: [QAQuestion] = []
        var seen = Set<String>()
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            guard !line.allSatisfy({ $0.isWhitespace }) else { continue }
            func bad(_ reason: String) -> RAGError { RAGError(.invalidInput, "\(path):\(n + 1): \(reason)") }
            guard let o = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else {
                throw bad("not a JSON object")
            }
            let id: String
            switch o["id"] {
            case let s as String: id = s
            case let x as NSNumber: id = x.stringValue
            default: throw bad("no \"id\"")
            }
            guard let question = o["question"] as? String else { throw bad("no \"question\" string") }
            guard let raw = o["answers"] as? [Any], !raw.isEmpty else { throw bad("\"answers\" must be a non-empty list") }
            let answers = raw.map { ($0 as? String) ?? "\($0)" }
            let passages = (o["passage_ids"] as? [Any] ?? []).map { ($0 as? String) ?? "\($0)" }
            guard seen.insert(id).inserted else { throw bad("id \(id) repeated") }
            out.append(QAQuestion(id: id, question: question, answers: answers, passageIDs: passages))
        }
        return out
    }
}

/// Which questions of qa-dev (SQuAD v1.1 dev) a run asks, by the article number in the passage `_id`
/// (`a<article>p<paragraph>`): the project tunes and trains on articles 0–23 and reports on articles 24–47.
public enum QASplit: String, Sendable, CaseIterable {
    /// `validation`: articles 22–23, part of train but held out of the span reader's training (it learns on 0–21),
    /// where its settings are chosen.
    case all, train, validation, test

    /// The articles of the split.
    public var articles: ClosedRange<Int>? {
        switch self {
        case .all: nil
        case .train: 0...23
        case .validation: 22...23
        case .test: 24...47
        }
    }

    /// The article number of a qa-dev passage id (`a07p012` → 7); nil for another kind of id.
    public static func article(ofPassage id: String) -> Int? {
        let s = Array(id.utf8)
        guard s.first == UInt8(ascii: "a") else { return nil }
        var i = 1, n = 0
        while i < s.count, s[i] >= 0x30, s[i] <= 0x39 { n = n * 10 + Int(s[i] - 0x30); i += 1 }
        guard i > 1, i < s.count, s[i] == UInt8(ascii: "p") else { return nil }
        return n
    }

    /// The questions whose first passage is in this split's articles (all questions for `all`).
    /// - Throws: `invalid_input` when a question has no qa-dev passage id to tell its article by.
    public func select(_ questions: [QAQuestion]) throws -> [QAQuestion] {
        guard let articles else { return questions }
        return try questions.filter { q in
            guard let p = q.passageIDs.first, let a = QASplit.article(ofPassage: p) else {
                throw RAGError(.invalidInput, "--split \(rawValue) needs qa-dev passage ids (a<article>p<paragraph>); question \(q.id) has \(q.passageIDs.first.map { "\"\($0)\"" } ?? "none")")
            }
            return articles.contains(a)
        }
    }
}

extension QAQuestion {
    /// `limit` questions drawn without replacement by a seeded generator (SplitMix64, a partial Fisher–Yates
    /// shuffle of the indices), returned in file order; all of them when `limit` is nil or not smaller. The same
    /// seed and file give the same sample on every machine and Swift version.
    public static func sample(_ questions: [QAQuestion], limit: Int?, seed: UInt64) -> [QAQuestion] {
        guard let limit, limit < questions.count else { return questions }
        var rng = SplitMix64(seed: seed)
        var indices = Array(questions.indices)
        for i in 0..<max(limit, 0) {
            let j = i + Int(rng.next() % UInt64(indices.count - i))
            indices.swapAt(i, j)
        }
        return indices.prefix(max(limit, 0)).sorted().map { questions[$0] }
    }
}
