import Foundation
import RAGCore
@testable import Store
import Testing

/// Rated answers as QA cases, and an index logged before short answers were (schema 5) migrated and exported.
@Suite struct FeedbackExportTests {
    /// An index with one document of two chunks; returns the store and the chunk ids.
    func store(_ path: String = temporaryIndexPath()) throws -> (IndexStore, [Int64]) {
        let store = try IndexStore(path: path)
        let ids = try store.db.transaction {
            try store.replaceFile(path: "docs/poland.md", sha256: "1", size: 10, mtime: 1, format: .markdown,
                                  documents: [prepared("docs/poland.md", ["Warsaw is the capital of Poland.", "Krakow was the capital before."])])
        }
        return (store, ids)
    }

    func sources(_ chunks: [(Int64, Bool)]) -> String {
        "[" + chunks.enumerated().map { i, c in
            #"{"n":\#(i + 1),"path":"docs/poland.md","heading_path":"Guide","score":0.5,"cited":\#(c.1),"chunk_id":\#(c.0)}"#
        }.joined(separator: ",") + "]"
    }

    @Test func approvedAnswersBecomeCasesAndRejectedOnesRecheckCases() throws {
        let (store, ids) = try store()
        try store.logAnswer(id: "a1", question: "What is the capital of Poland?", answer: "Warsaw [1].", shortAnswer: "Warsaw",
                            sourcesJSON: sources([(ids[0], true), (ids[1], false)]))
        try store.logAnswer(id: "a2", question: "What was the capital before?", answer: "It was Krakow [2].",
                            sourcesJSON: sources([(ids[0], false), (ids[1], true)]))
        try store.logAnswer(id: "a3", question: "Who lives there?", answer: "Nobody [1].", sourcesJSON: sources([(ids[0], true)]))
        try store.logAnswer(id: "a4", question: "Unrated?", answer: "x", sourcesJSON: "[]")
        _ = try store.addFeedback(answerID: "a1", rating: 1, comment: "")
        _ = try store.addFeedback(answerID: "a2", rating: -1, comment: "first")
        _ = try store.addFeedback(answerID: "a2", rating: 1, comment: "changed my mind")
        _ = try store.addFeedback(answerID: "a3", rating: -1, comment: "made up")

        let export = try FeedbackExport(store: store, corpus: "docs")
        #expect(export.cases == [
            ExportedQACase(id: "a1", question: "What is the capital of Poland?", answers: ["Warsaw"], passageIds: ["poland.md"]),
            ExportedQACase(id: "a2", question: "What was the capital before?", answers: ["It was Krakow."], passageIds: ["poland.md"]),
        ])
        #expect(export.passages == [ExportedPassage(id: "poland.md", title: "T", text: "Warsaw is the capital of Poland.\n\nKrakow was the capital before.")])
        #expect(export.recheck.map(\.id) == ["a3"])
        #expect(export.recheck.first?.why == "made up" && export.recheck.first?.sources == ["docs/poland.md"])
        // Without --corpus the stored path names the document.
        #expect(try FeedbackExport(store: store).cases.first?.passageIds == ["docs/poland.md"])

        let stats = try FeedbackStats(store: store)
        #expect(stats.weeks.count == 1)
        #expect(stats.weeks.first?.counts == FeedbackStats.Counts(up: 2, down: 2, neutral: 0))
        #expect(stats.documents == [FeedbackStats.Document(path: "docs/poland.md", counts: .init(up: 2, down: 2, neutral: 0))])
    }

    @Test func anIndexFromBeforeShortAnswersIsMigratedAndExported() throws {
        let path = temporaryIndexPath()
        do {
            let (store, ids) = try store(path)
            try store.logAnswer(id: "old", question: "Capital?", answer: "Warsaw is the capital [1].", sourcesJSON: sources([(ids[0], true)]))
            _ = try store.addFeedback(answerID: "old", rating: 1, comment: "")
        }
        // As schema 5 left it: no short-answer or query-map table (through a connection of its own, the store's closed).
        do {
            let raw = try Database(path: path)
            try raw.execute("DROP TABLE query_log_short")
            try raw.execute("DROP TABLE query_maps")
            try raw.execute("PRAGMA user_version = 5")
        }
        // Read-only, schema 5 opens as it is (Schema.readableFrom); read-write migrates.
        #expect(try IndexStore(path: path, readOnly: true).schemaVersion == 5)
        let migrated = try IndexStore(path: path)
        #expect(try migrated.db.scalarInt("PRAGMA user_version") == Int64(Schema.version))
        #expect(try FeedbackExport(store: migrated).cases.first?.answers == ["Warsaw is the capital."])
        #expect(try migrated.feedback().first?.answer == "Warsaw is the capital [1].")
    }

    @Test func retentionRemovesAShortAnswerWithItsLogEntry() throws {
        let (store, _) = try store()
        try store.logAnswer(id: "gone", question: "q", answer: "a", shortAnswer: "a", sourcesJSON: "[]")
        try store.db.execute("UPDATE query_log SET created_at = 0")
        var retention = Retention()
        retention.queryLogDays = 1
        try store.applyRetention(retention)
        #expect(try store.db.scalarInt("SELECT count(*) FROM query_log_short") == 0)
    }
}
