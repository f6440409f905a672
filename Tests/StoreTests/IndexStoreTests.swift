import Foundation
import RAGCore
@testable import Store
import Testing

/// A fresh index file in a temporary folder.
func temporaryIndexPath(_ name: String = "index") -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rag-store-tests-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.appendingPathComponent("\(name).sqlite").path
}

func prepared(_ path: String, _ texts: [String], heading: [String] = ["Guide"]) -> PreparedDocument {
    let chunks = texts.enumerated().map { i, t in
        Chunk(ordinal: i, headingPath: heading, text: t, tokenCount: t.split(separator: " ").count, charStart: i * 100, charEnd: i * 100 + t.count)
    }
    return PreparedDocument(document: Document(path: path, title: "T", format: .markdown, blocks: []), contentSHA256: "x", chunks: chunks)
}

@Suite struct IndexStoreTests {
    @Test func newIndexIsMigratedToTheLatestSchemaInWALMode() throws {
        let store = try IndexStore(path: temporaryIndexPath())
        #expect(try store.db.scalarInt("PRAGMA user_version") == Int64(Schema.version))
        #expect(try store.db.scalarText("PRAGMA journal_mode") == "wal")
        #expect(try store.db.scalarInt("PRAGMA foreign_keys") == 1)
        #expect(try store.generation() == 0)
    }

    @Test func replacingAFileSwapsItsChunksAndKeepsTheKeywordIndexInStep() throws {
        let store = try IndexStore(path: temporaryIndexPath())
        try store.db.transaction {
            try store.replaceFile(path: "a.md", sha256: "1", size: 10, mtime: 1, format: .markdown,
                                  documents: [prepared("a.md", ["the zebra grazes", "lions hunt at night"])])
        }
        #expect(try store.keywordSearch("zebra", k: 5).map(\.path) == ["a.md"])
        try store.db.transaction {
            try store.replaceFile(path: "a.md", sha256: "2", size: 11, mtime: 2, format: .markdown,
                                  documents: [prepared("a.md", ["giraffes browse acacia"])])
        }
        #expect(try store.keywordSearch("zebra", k: 5).isEmpty)
        #expect(try store.keywordSearch("acacia", k: 5).count == 1)
        #expect(try store.stats().chunks == 1)
        #expect(try store.integrityCheck() == "ok")
    }

    @Test func removingAFileCascadesToDocumentsChunksEmbeddingsAndFTS() throws {
        let store = try IndexStore(path: temporaryIndexPath())
        let ids = try store.db.transaction {
            try store.replaceFile(path: "b.txt", sha256: "1", size: 1, mtime: 1, format: .text,
                                  documents: [prepared("b.txt", ["quokka selfies"])])
        }
        try store.setEmbedding(chunkID: ids[0], vector: [1, 0, 0])
        try store.db.transaction { try store.removeFile(path: "b.txt") }
        let s = try store.stats()
        #expect(s.files == 0 && s.documents == 0 && s.chunks == 0 && s.embeddings == 0)
        #expect(try store.keywordSearch("quokka", k: 5).isEmpty)
        #expect(try store.integrityCheck() == "ok")
    }

    @Test func aFailedTransactionLeavesThePreviousState() throws {
        let store = try IndexStore(path: temporaryIndexPath())
        try store.db.transaction {
            try store.replaceFile(path: "c.txt", sha256: "1", size: 1, mtime: 1, format: .text, documents: [prepared("c.txt", ["wombat burrow"])])
        }
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            try store.db.transaction {
                try store.replaceFile(path: "c.txt", sha256: "2", size: 1, mtime: 1, format: .text, documents: [prepared("c.txt", ["echidna"])])
                throw Boom()
            }
        }
        #expect(try store.keywordSearch("wombat", k: 5).count == 1)
        #expect(try store.keywordSearch("echidna", k: 5).isEmpty)
    }

    @Test func keywordSearchRanksByBM25AndHighlightsTheSnippet() throws {
        let store = try IndexStore(path: temporaryIndexPath())
        try store.db.transaction {
            try store.replaceFile(path: "x.md", sha256: "1", size: 1, mtime: 1, format: .markdown,
                                  documents: [prepared("x.md", ["kangaroo kangaroo kangaroo jumps", "a single kangaroo and many other words here to dilute the match"])])
            try store.replaceFile(path: "y.md", sha256: "1", size: 1, mtime: 1, format: .markdown,
                                  documents: [prepared("y.md", ["nothing relevant", "more filler", "still nothing"])])
        }
        let hits = try store.keywordSearch("Kangaroos?", k: 10, highlight: ("<", ">"))
        #expect(hits.count == 2)
        #expect(hits[0].text == "kangaroo kangaroo kangaroo jumps")
        #expect(hits[0].score > hits[1].score)
        #expect(hits[0].snippet.contains("<kangaroo>"))
        #expect(hits.map(\.rank) == [1, 2])
    }

    @Test func queryPunctuationAndFTSOperatorsAreTreatedAsPlainWords() throws {
        #expect(KeywordQuery.fts5("foo AND (bar OR \"baz\") NEAR* -x") == "\"foo\" OR \"and\" OR \"bar\" OR \"or\" OR \"baz\" OR \"near\" OR \"x\"")
        #expect(KeywordQuery.fts5("?!? ...") == nil)
        let store = try IndexStore(path: temporaryIndexPath())
        #expect(try store.keywordSearch("\"unbalanced ( quote", k: 3).isEmpty)
    }

    @Test func headingPathIsSearchable() throws {
        let store = try IndexStore(path: temporaryIndexPath())
        try store.db.transaction {
            try store.replaceFile(path: "h.md", sha256: "1", size: 1, mtime: 1, format: .markdown,
                                  documents: [prepared("h.md", ["body text without the word"], heading: ["Installation", "Debian"])])
        }
        let hits = try store.keywordSearch("debian", k: 3)
        #expect(hits.first?.headingPath == "Installation > Debian")
    }

    @Test func readOnlyOpenOfAMissingIndexSaysHowToCreateIt() throws {
        let path = temporaryIndexPath("missing")
        do {
            _ = try IndexStore(path: path, readOnly: true)
            Issue.record("expected an error")
        } catch let e as RAGError {
            #expect(e.code.rawValue == "index_not_found")
            #expect(e.message.contains("rag ingest"))
        }
    }

    @Test func aFileThatIsNotSQLiteIsACorruptIndexError() throws {
        let path = temporaryIndexPath("garbage")
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: path))
        #expect(throws: RAGError.self) { _ = try IndexStore(path: path) }
    }

    @Test func embeddingsRoundTripThroughTheCache() throws {
        let store = try IndexStore(path: temporaryIndexPath())
        try store.cacheEmbedding(textSHA256: "abc", model: "m1", vector: [0.5, -1, 3.25])
        #expect(try store.cachedEmbedding(textSHA256: "abc", model: "m1") == [0.5, -1, 3.25])
        #expect(try store.cachedEmbedding(textSHA256: "abc", model: "m2") == nil)
    }
}
