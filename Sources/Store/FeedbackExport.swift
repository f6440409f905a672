/// Rated answers as evaluation data: answers rated up become QA cases (`rag eval-qa --qa` format) with their cited
/// passages, answers rated down become cases to re-check; and the ratings counted per ISO week and per document.
import Foundation
import RAGCore

/// A source as the query log stores it (the answer's `sources`, snake_case JSON).
public struct LoggedSource: Decodable, Sendable, Equatable {
    public var n: Int?
    public var path: String
    public var cited: Bool?
    public var chunkId: Int64?
}

/// A logged answer with its latest rating.
public struct RatedAnswer: Sendable, Equatable {
    public var answerId: String
    public var question: String
    public var answer: String
    /// Nil for answers logged before short answers were (schema 6), and for answers without one.
    public var shortAnswer: String?
    public var sources: [LoggedSource]
    public var rating: Int
    public var comment: String
    public var ratedAt: Double

    /// The sources the answer stands on: the cited ones, else every one it was given.
    public var usedSources: [LoggedSource] {
        let cited = sources.filter { $0.cited == true }
        return cited.isEmpty ? sources : cited
    }
}

/// One line of a QA file (`QAQuestion`'s format).
public struct ExportedQACase: Encodable, Sendable, Equatable {
    public var id: String
    public var question: String
    public var answers: [String]
    public var passageIds: [String]
}

/// One line of a passages file (`{"_id","title","text"}`, as `rag eval-qa --corpus` reads).
public struct ExportedPassage: Encodable, Sendable, Equatable {
    public var id: String
    public var title: String
    public var text: String
    enum CodingKeys: String, CodingKey { case id = "_id", title, text }
}

/// An answer rated down, to check again: what was answered, from where, and why it was rated down.
public struct RecheckCase: Encodable, Sendable, Equatable {
    public var id: String
    public var question: String
    public var answer: String
    public var shortAnswer: String?
    /// The rater's comment (empty when none was given).
    public var why: String
    public var sources: [String]
    public var ratedAt: String
}

public struct FeedbackExport: Sendable {
    public var cases: [ExportedQACase] = []
    public var passages: [ExportedPassage] = []
    public var recheck: [RecheckCase] = []
    /// Answers rated up whose cited chunks are no longer in the index (re-ingested or pruned): exported without
    /// passage ids.
    public var missingPassages = 0

    /// Builds the export from `store`'s rated answers (the latest rating of each; neutral ones are left out).
    /// - Parameter corpus: the corpus path as given to `rag ingest`/`rag eval-qa --corpus`; a folder's documents
    ///   are then named by their path below it, as eval-qa names them. Without it, a document is named by its
    ///   BEIR `_id` when it has one, else its stored path.
    public init(store: IndexStore, corpus: String? = nil) throws {
        var seenPassages = Set<String>()
        var passageIndex: [String: Int] = [:]
        let formatter = ISO8601DateFormatter()
        for r in try store.ratedAnswers() {
            if r.rating < 0 {
                recheck.append(RecheckCase(id: r.answerId, question: r.question, answer: r.answer, shortAnswer: r.shortAnswer,
                                           why: r.comment, sources: Self.unique(r.usedSources.map(\.path)),
                                           ratedAt: formatter.string(from: Date(timeIntervalSince1970: r.ratedAt))))
                continue
            }
            guard r.rating > 0 else { continue }
            let gold = r.shortAnswer.flatMap { $0.isEmpty ? nil : $0 } ?? Self.withoutCitations(r.answer)
            guard !gold.isEmpty else { continue }
            var ids: [String] = []
            for source in r.usedSources {
                guard let chunkID = source.chunkId, let chunk = try store.chunkForExport(id: chunkID) else { missingPassages += 1; continue }
                let id = Self.passageID(path: chunk.path, externalID: chunk.externalID, corpus: corpus)
                if !ids.contains(id) { ids.append(id) }
                // One passage per document: the cited chunks of it, in the order first cited.
                let key = "\(id)\u{0}\(chunkID)"
                guard seenPassages.insert(key).inserted else { continue }
                if let i = passageIndex[id] {
                    passages[i].text += "\n\n" + chunk.text
                } else {
                    passageIndex[id] = passages.count
                    passages.append(ExportedPassage(id: id, title: chunk.title, text: chunk.text))
                }
            }
            cases.append(ExportedQACase(id: r.answerId, question: r.question, answers: [gold], passageIds: ids))
        }
    }

    /// The id `rag eval-qa --corpus` gives a document (see `PassageNaming` in Benchmarks).
    static func passageID(path: String, externalID: String?, corpus: String?) -> String {
        if let corpus {
            let tidy = corpus.hasSuffix("/") ? String(corpus.dropLast()) : corpus
            if path.hasPrefix(tidy + "/") { return String(path.dropFirst(tidy.count + 1)) }
            if path.hasPrefix(tidy + "#") { return externalID ?? String(path.dropFirst(tidy.count + 1)) }
        }
        return externalID ?? path
    }

    /// The answer text without its `[n]` citation markers (as eval-qa scores an answer without a short answer).
    static func withoutCitations(_ text: String) -> String {
        let stripped = text.replacingOccurrences(of: #"\s*\[\d+(?:\s*,\s*\d+)*\]"#, with: "", options: .regularExpression)
        return stripped.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func unique(_ items: [String]) -> [String] {
        var seen = Set<String>()
        return items.filter { seen.insert($0).inserted }
    }
}

/// Ratings counted per ISO week and per source document.
public struct FeedbackStats: Encodable, Sendable, Equatable {
    public struct Counts: Encodable, Sendable, Equatable {
        public var up = 0
        public var down = 0
        public var neutral = 0
        mutating func add(_ rating: Int) {
            if rating > 0 { up += 1 } else if rating < 0 { down += 1 } else { neutral += 1 }
        }

        /// One flat object: `{label: value, "up", "down", "neutral"}` (a week's or a document's row).
        func encode(labelled label: String, _ value: String, to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: RowKey.self)
            try c.encode(value, forKey: RowKey(label))
            try c.encode(up, forKey: RowKey("up"))
            try c.encode(down, forKey: RowKey("down"))
            try c.encode(neutral, forKey: RowKey("neutral"))
        }

        struct RowKey: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(_ s: String) { stringValue = s }
            init?(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }
    }
    public struct Week: Encodable, Sendable, Equatable {
        /// ISO 8601 week, UTC: `2026-W48`.
        public var week: String
        public var counts: Counts
        public func encode(to encoder: any Encoder) throws { try counts.encode(labelled: "week", week, to: encoder) }
    }
    public struct Document: Encodable, Sendable, Equatable {
        public var path: String
        public var counts: Counts
        public func encode(to encoder: any Encoder) throws { try counts.encode(labelled: "path", path, to: encoder) }
    }
    /// Oldest week first.
    public var weeks: [Week] = []
    /// Most rated first (then by path). A rating counts once for each document its answer stands on.
    public var documents: [Document] = []

    /// Every feedback row counted (not only each answer's latest rating).
    public init(store: IndexStore) throws {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var byWeek: [String: Counts] = [:], byDocument: [String: Counts] = [:]
        for (rating, ratedAt, sources) in try store.allRatings() {
            let c = calendar.dateComponents([.yearForWeekOfYear, .weekOfYear], from: Date(timeIntervalSince1970: ratedAt))
            let week = String(format: "%04d-W%02d", c.yearForWeekOfYear ?? 0, c.weekOfYear ?? 0)
            byWeek[week, default: Counts()].add(rating)
            let cited = sources.filter { $0.cited == true }
            for path in FeedbackExport.unique((cited.isEmpty ? sources : cited).map(\.path)) {
                byDocument[path, default: Counts()].add(rating)
            }
        }
        weeks = byWeek.sorted { $0.key < $1.key }.map { Week(week: $0.key, counts: $0.value) }
        documents = byDocument.map { Document(path: $0.key, counts: $0.value) }.sorted {
            let a = $0.counts.up + $0.counts.down + $0.counts.neutral, b = $1.counts.up + $1.counts.down + $1.counts.neutral
            return a != b ? a > b : $0.path < $1.path
        }
    }
}

extension IndexStore {
    /// Every logged answer that has feedback, with its latest rating, oldest rating first.
    public func ratedAnswers() throws -> [RatedAnswer] {
        let stmt = try db.prepare("""
            SELECT q.answer_id, q.question, q.answer, s.short_answer, q.sources, f.rating, f.comment, f.created_at
            FROM feedback f JOIN query_log q ON q.answer_id = f.answer_id LEFT JOIN query_log_short s ON s.answer_id = q.answer_id
            WHERE f.id = (SELECT max(id) FROM feedback g WHERE g.answer_id = f.answer_id)
            ORDER BY f.id
            """)
        var out: [RatedAnswer] = []
        while try stmt.step() {
            out.append(RatedAnswer(answerId: stmt.text(0), question: stmt.text(1), answer: stmt.text(2), shortAnswer: stmt.optionalText(3),
                                   sources: Self.loggedSources(stmt.text(4)), rating: Int(stmt.int(5)), comment: stmt.text(6),
                                   ratedAt: stmt.double(7)))
        }
        return out
    }

    /// Every feedback row: its rating, when it was given, and the sources of the answer it rates.
    func allRatings() throws -> [(rating: Int, ratedAt: Double, sources: [LoggedSource])] {
        let stmt = try db.prepare("SELECT f.rating, f.created_at, q.sources FROM feedback f JOIN query_log q ON q.answer_id = f.answer_id ORDER BY f.id")
        var out: [(Int, Double, [LoggedSource])] = []
        while try stmt.step() { out.append((Int(stmt.int(0)), stmt.double(1), Self.loggedSources(stmt.text(2)))) }
        return out
    }

    /// A chunk's text with its document's path, BEIR id and title (nil when the chunk is gone).
    func chunkForExport(id: Int64) throws -> (path: String, externalID: String?, title: String, text: String)? {
        let stmt = try db.prepare("""
            SELECT d.path, d.external_id, coalesce(d.title, ''), c.text FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.id = ?
            """)
        try stmt.bind([.int(id)])
        guard try stmt.step() else { return nil }
        return (stmt.text(0), stmt.optionalText(1), stmt.text(2), stmt.text(3))
    }

    /// The logged sources (an unreadable log entry has none).
    static func loggedSources(_ json: String) -> [LoggedSource] {
        (try? JSONDecoder.snakeCase.decode([LoggedSource].self, from: Data(json.utf8))) ?? []
    }
}
