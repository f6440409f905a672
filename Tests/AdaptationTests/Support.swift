/// One real index shared by the adaptation tests: the repository's Corpus/ ingested through the real pipeline with
/// the real MiniLM encoder, and its 50 labelled questions (Tests/Fixtures/corpus-questions.jsonl).
import Encoder
import Foundation
import Ingest
import RAGCore
import Store
import TestSupport

final class CorpusIndex: Sendable {
    let path: String
    let encoder: MiniLMEncoder
    /// Question id → text, and question id → {document key of its expected source: 1}.
    let queries: [String: String]
    let qrels: Qrels

    /// Built once per test run (a static let is initialised once, thread-safely).
    static let shared: Result<CorpusIndex, any Error> = Result { try CorpusIndex() }
    static func get() throws -> CorpusIndex { try shared.get() }

    private init() throws {
        encoder = try MiniLMEncoder(directory: Paths.encoderDirectory)
        path = TestIndex.path("adaptation")
        let store = try IndexStore(path: path)
        let pipeline = IngestPipeline(store: store, chunker: Chunker(counter: encoder.tokenizer), embedder: encoder)
        _ = try pipeline.run(paths: [Paths.root.appendingPathComponent("Corpus").path], options: IngestOptions())
        // Everything into the main file, so `copy` can copy that file alone.
        try store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        let documents = Set(try store.chunkDocumentKeys().values)
        var queries: [String: String] = [:], qrels: Qrels = [:]
        let lines = try String(contentsOf: Paths.fixtures.appendingPathComponent("corpus-questions.jsonl"), encoding: .utf8)
            .split(separator: "\n")
        for (i, line) in lines.enumerated() {
            let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let source = o["expected_source"] as! String
            guard let key = documents.first(where: { $0.hasSuffix(source) }) else { continue }
            queries["q\(i)"] = (o["question"] as! String)
            qrels["q\(i)"] = [key: 1]
        }
        self.queries = queries
        self.qrels = qrels
    }

    /// A read-write connection of its own.
    func store() throws -> IndexStore { try IndexStore(path: path) }

    /// A copy of the index in a new file, for a test that writes query maps.
    func copy(_ name: String) throws -> IndexStore {
        let target = TestIndex.path(name)
        try FileManager.default.copyItem(atPath: path, toPath: target)
        return try IndexStore(path: target)
    }
}

func cosine(_ a: [Float], _ b: [Float]) -> Float {
    let dot = zip(a, b).reduce(Float(0)) { $0 + $1.0 * $1.1 }
    let na = a.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot(), nb = b.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
    return dot / (na * nb)
}
