/// Ingest embeds outside its write transaction: another process's writes (a server's answer log) go through
/// while the encoder runs, instead of waiting on SQLite's write lock for the whole batch.
import Foundation
import Ingest
import RAGCore
@testable import Store
import Testing

@Suite struct IngestWriteLockTests {
    /// An embedder that, while "embedding", writes to the same index file through a second connection, as a
    /// running `rag serve` would; it records whether that write went through.
    final class WritingEmbedder: Embedder, @unchecked Sendable {
        let path: String
        private let lock = NSLock()
        private var outcomes: [String] = []
        init(path: String) { self.path = path }
        var modelID: String { "fake-4d" }
        var dimension: Int { 4 }
        var results: [String] { lock.withLock { outcomes } }

        func embed(_ texts: [String]) throws -> [[Float]] {
            let outcome: String
            do {
                let other = try Database(path: path)
                try other.execute("BEGIN IMMEDIATE")
                try other.execute("CREATE TABLE IF NOT EXISTS probe(x)")
                try other.execute("INSERT INTO probe VALUES (1)")
                try other.execute("COMMIT")
                outcome = "written"
            } catch {
                outcome = "\(error)"
            }
            lock.withLock { outcomes.append(outcome) }
            return texts.map { _ in [0.5, 0.5, 0.5, 0.5] }
        }
    }

    struct Words: TokenCounter {
        func tokenCount(_ text: String) -> Int { text.split(whereSeparator: \.isWhitespace).count }
    }

    @Test func anotherConnectionCanWriteWhileABatchIsEmbedded() throws {
        let path = temporaryIndexPath()
        let docs = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent("docs")
        try FileManager.default.createDirectory(at: docs, withIntermediateDirectories: true)
        for i in 0..<3 {
            try "# Page \(i)\n\nThe okapi \(i) lives in the forest and eats leaves.\n".write(
                to: docs.appendingPathComponent("p\(i).md"), atomically: true, encoding: .utf8)
        }
        let store = try IndexStore(path: path)
        let embedder = WritingEmbedder(path: path)
        let pipeline = IngestPipeline(store: store, chunker: Chunker(counter: Words()), embedder: embedder)
        let summary = try pipeline.run(paths: [docs.path], options: IngestOptions())
        #expect(summary.embedded == 3)
        #expect(!embedder.results.isEmpty && embedder.results.allSatisfy { $0 == "written" }, "\(embedder.results)")
        // Chunks and their vectors still landed together.
        #expect(try store.db.scalarInt("SELECT count(*) FROM embeddings") == 3)
        #expect(try store.db.scalarInt("SELECT count(*) FROM probe") == Int64(embedder.results.count))
    }
}
