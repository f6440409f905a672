/// `rag index adapt`'s run: labelled queries (BEIR qrels or a QA file's `passage_ids`) split by `QuerySplit`, the
/// adapter trained on the tuning part (`QueryAdapterTrainer`), and held-back nDCG@10 with and without it, scored by
/// `rag eval`'s code (`RetrievalEvaluation`).
import Adaptation
import Foundation
import RAGCore
import Retrieval
import Store

public enum QueryAdaptation {
    public struct Report: Sendable, Codable {
        public var encoder: String
        public var seed: UInt64
        public var tuneFraction: Double
        public var tuningQueries: Int
        public var heldBackQueries: Int
        /// Tuning queries with at least one relevant document in the index (the training examples).
        public var trainingExamples: Int
        public var training: AdapterTraining
        /// Held-back nDCG@10 per mode, without and with the adapter (equal when the identity was kept).
        public var heldBack: [ModeScore]
        public var stored: Bool
        public var seconds: Double
    }

    public struct ModeScore: Sendable, Codable {
        public var mode: String
        public var plain: Double
        public var adapted: Double
        public var queries: Int
    }

    /// Graded relevance of a QA file's questions: each of its `passage_ids` (BEIR `_id`s or paths) relevant, grade 1.
    public static func labelled(_ questions: [QAQuestion]) -> (queries: [String: String], qrels: Qrels) {
        var queries: [String: String] = [:], qrels: Qrels = [:]
        for q in questions where !q.passageIDs.isEmpty {
            queries[q.id] = q.question
            qrels[q.id] = Dictionary(q.passageIDs.map { ($0, 1) }, uniquingKeysWith: max)
        }
        return (queries, qrels)
    }

    /// Trains on the tuning part of a seeded split of the judged queries, evaluates both parts' held-back side in
    /// `modes`, and stores the adapter in `store` when training kept one (unless `store: false`).
    public static func run(store: IndexStore, encoder: any Embedder, queries: [String: String], qrels: Qrels,
                           tuneFraction: Double, seed: UInt64, modes: [RetrievalMode] = [.dense, .hybrid],
                           save: Bool = true) throws -> (adapter: QueryAdapter?, report: Report) {
        let start = Date()
        guard let model = try store.meta("embedding_model") else {
            throw RAGError(.noVectors, "index \(store.path) has no vectors: ingest with the encoder first")
        }
        guard model == encoder.modelID else {
            throw RAGError(.encoderMismatch, "index \(store.path) was embedded with \(model), but the encoder is \(encoder.modelID)")
        }
        let judged = qrels.filter { queries[$0.key] != nil && $0.value.values.contains { $0 > 0 } }
        guard judged.count >= 4 else {
            throw RAGError.invalidParameter("queries", "only \(judged.count) judged queries have text; the adapter needs at least 4")
        }
        let split = QuerySplit(ids: Array(judged.keys), tuneFraction: tuneFraction, seed: seed)
        let matrix = try store.loadVectorMatrix()
        let d = matrix.dimension
        let corpus = Array(UnsafeBufferPointer(start: matrix.storage, count: matrix.count * d))
        let examples = try self.examples(split.tuning, queries: queries, qrels: judged, store: store, encoder: encoder,
                                         matrix: matrix, corpus: corpus)
        let (adapter, training) = QueryAdapterTrainer.train(pairs: examples, corpus: corpus, dimension: d, encoderID: model, seed: seed)
        var scores: [ModeScore] = []
        let heldIDs = Set(split.heldBack)
        let held = judged.filter { heldIDs.contains($0.key) }
        if !held.isEmpty {
            let plain = Retriever(store: store, embedder: encoder)
            let adapted = adapter.map { Retriever(store: store, embedder: QueryEncoder(base: encoder, adapter: $0)) }
            for mode in modes {
                let p = try SearchParameters(mode: mode, k: 100)
                let before = try RetrievalEvaluation.run(plain, queries: queries, qrels: held, parameters: p).metrics
                let after = try adapted.map { try RetrievalEvaluation.run($0, queries: queries, qrels: held, parameters: p).metrics } ?? before
                scores.append(ModeScore(mode: mode.rawValue, plain: before.ndcgAt10, adapted: after.ndcgAt10, queries: before.queries))
            }
        }
        if save, let adapter {
            var map = adapter.stored
            let info = Report(encoder: model, seed: seed, tuneFraction: tuneFraction, tuningQueries: split.tuning.count,
                              heldBackQueries: split.heldBack.count, trainingExamples: examples.count, training: training,
                              heldBack: scores, stored: true, seconds: Date().timeIntervalSince(start))
            map.info = String(decoding: try JSONEncoder().encode(info), as: UTF8.self)
            try store.setQueryMap(map)
        }
        let report = Report(encoder: model, seed: seed, tuneFraction: tuneFraction, tuningQueries: split.tuning.count,
                            heldBackQueries: split.heldBack.count, trainingExamples: examples.count, training: training,
                            heldBack: scores, stored: save && adapter != nil, seconds: Date().timeIntervalSince(start))
        return (adapter, report)
    }

    /// Training examples of `ids`: the plain query vector, the best chunk (by plain cosine) of each relevant
    /// document as a target, every chunk of the relevant documents as relevant. Queries whose relevant documents
    /// are not in the index are left out.
    public static func examples(_ ids: [String], queries: [String: String], qrels: Qrels, store: IndexStore,
                                encoder: any Embedder, matrix: VectorMatrix, corpus: [Float]) throws -> [AdapterExample] {
        let keys = try store.chunkDocumentKeys()
        var rowsOfDocument: [String: [Int]] = [:]
        for r in 0..<matrix.count { if let k = keys[matrix.ids[r]] { rowsOfDocument[k, default: []].append(r) } }
        // A QA file over a folder names passages by path relative to the folder; the index keys documents by their
        // full path: such ids resolve to the one document whose path ends in "/<id>".
        var qrels = qrels
        let keysByName = Dictionary(grouping: rowsOfDocument.keys) { ($0 as NSString).lastPathComponent }
        for id in ids {
            guard let judged = qrels[id] else { continue }
            var resolved: [String: Int] = [:]
            for (doc, grade) in judged {
                if rowsOfDocument[doc] != nil { resolved[doc] = grade; continue }
                let matches = (keysByName[(doc as NSString).lastPathComponent] ?? []).filter { $0.hasSuffix("/" + doc) }
                if matches.count == 1 { resolved[matches[0]] = grade }
            }
            qrels[id] = resolved
        }
        let d = matrix.dimension
        let usable = ids.filter { id in qrels[id]?.contains { $0.value > 0 && rowsOfDocument[$0.key] != nil } ?? false }
        let vectors = try encoder.embed(usable.map { queries[$0]! })
        var out: [AdapterExample] = []
        for (id, q) in zip(usable, vectors) {
            var targets: [Int] = [], relevant = Set<Int>()
            for (doc, grade) in qrels[id]!.sorted(by: { $0.key < $1.key }) where grade > 0 {
                guard let rows = rowsOfDocument[doc] else { continue }
                relevant.formUnion(rows)
                let best = rows.max { a, b in dot(q, corpus, a * d, d) < dot(q, corpus, b * d, d) }!
                targets.append(best)
            }
            out.append(AdapterExample(query: q, targets: targets, relevant: relevant))
        }
        return out
    }

    static func dot(_ q: [Float], _ corpus: [Float], _ offset: Int, _ d: Int) -> Float {
        var s: Float = 0
        for c in 0..<d { s += q[c] * corpus[offset + c] }
        return s
    }
}
