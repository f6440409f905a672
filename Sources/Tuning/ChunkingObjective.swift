/// nDCG@10 of a BEIR set under a point of the chunking space (optionally with retrieval settings too): each new
/// (chunk tokens, overlap) pair re-ingests the corpus into a scratch index in a temporary folder; chunk texts
/// already embedded in an earlier trial are not embedded again (`MemoEmbedder`), since a scratch index starts with
/// an empty embedding cache of its own.
import Benchmarks
import Foundation
import Ingest
import RAGCore
import Retrieval
import Store

public final class ChunkingObjective: TuningObjective {
    public let name = "ndcg@10"
    public let space: SearchSpace
    let corpus: String
    let counter: any TokenCounter
    let embedder: MemoEmbedder
    let queries: [String: String]
    let qrels: Qrels
    let scratch: URL
    /// The scratch index of each chunking already built, and its retrieval objective.
    private var built: [String: RetrievalObjective] = [:]

    /// `scratch` is a folder this objective may fill (the caller removes it).
    public init(corpus: String, counter: any TokenCounter, embedder: any Embedder, queries: [String: String], qrels: Qrels,
                dimensions: [Dimension], scratch: URL) {
        self.corpus = corpus
        self.counter = counter
        self.embedder = MemoEmbedder(embedder)
        self.queries = queries
        self.qrels = qrels
        self.scratch = scratch
        self.space = SearchSpace(name: "chunking", dimensions: dimensions)
    }

    /// Texts embedded so far and embeddings reused (for the report).
    public var embedded: (computed: Int, reused: Int) { embedder.counts }

    /// The chunker settings of a point.
    public static func chunkerConfig(_ s: TuneSettings) throws -> ChunkerConfig {
        try ChunkerConfig(maxTokens: s["chunk_tokens"]?.integerValue ?? ChunkerConfig.default.maxTokens,
                          overlapTokens: s["chunk_overlap"]?.integerValue ?? ChunkerConfig.default.overlapTokens)
    }

    /// The overlap cut to below half the chunk (`ChunkerConfig` refuses more), so the trial, the report and
    /// `--write` all carry the overlap actually used.
    public func canonical(_ s: TuneSettings) -> TuneSettings {
        guard let tokens = s["chunk_tokens"]?.integerValue, let overlap = s["chunk_overlap"]?.integerValue,
              let i = s.keys.firstIndex(of: "chunk_overlap") else { return s }
        var values = s.values
        values[i] = .integer(min(overlap, max(0, tokens / 2 - 1)))
        return TuneSettings(keys: s.keys, values: values)
    }

    public func scores(_ settings: TuneSettings, ids: [String]) async throws -> [Double] {
        let config = try Self.chunkerConfig(settings)
        let key = "\(config.maxTokens)-\(config.overlapTokens)"
        let objective: RetrievalObjective
        if let o = built[key] {
            objective = o
        } else {
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
            let store = try IndexStore(path: scratch.appendingPathComponent("chunks-\(key).sqlite").path)
            let pipeline = IngestPipeline(store: store, chunker: Chunker(config: config, counter: counter), embedder: embedder)
            var options = IngestOptions()
            options.chunker = config
            options.retention = nil
            let summary = try pipeline.run(paths: [corpus], options: options)
            if summary.documents == 0, let problem = summary.problems.first {
                throw RAGError(.invalidInput, "re-chunking \(corpus): \(problem.message)")
            }
            objective = try RetrievalObjective(store: store, embedder: embedder, queries: queries, qrels: qrels,
                                               dimensions: TuneSpaces.beirRetrieval(ivfLists: nil))
            built[key] = objective
        }
        return try await objective.scores(settings, ids: ids)
    }
}

/// An embedder that remembers every text's vector for the life of the tune, so chunks that come out the same under
/// two chunkings are embedded once.
final class MemoEmbedder: Embedder, @unchecked Sendable {  // `memo` and the counts are guarded by `lock`
    let base: any Embedder
    private let lock = NSLock()
    private var memo: [String: [Float]] = [:]
    private var computed = 0, reused = 0

    init(_ base: any Embedder) { self.base = base }

    var modelID: String { base.modelID }
    var dimension: Int { base.dimension }
    var counts: (computed: Int, reused: Int) { lock.withLock { (computed, reused) } }

    func embed(_ texts: [String]) throws -> [[Float]] {
        let missing = lock.withLock { Array(Set(texts.filter { memo[$0] == nil })).sorted() }
        let vectors = missing.isEmpty ? [] : try base.embed(missing)
        return lock.withLock {
            for (t, v) in zip(missing, vectors) { memo[t] = v }
            computed += missing.count
            reused += texts.count - missing.count
            return texts.map { memo[$0]! }
        }
    }
}
