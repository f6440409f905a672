/// nDCG@10 of a BEIR set's queries under a point of the retrieval space, over one index: every query is embedded
/// once (the retriever's query-embedding cache holds them all), so a trial costs only the searches.
import Benchmarks
import Foundation
import RAGCore
import Retrieval
import Store

public final class RetrievalObjective: TuningObjective {
    public let name = "ndcg@10"
    public let space: SearchSpace
    let store: IndexStore
    let embedder: (any Embedder)?
    let queries: [String: String]
    let qrels: Qrels
    let cache: QueryEmbeddingCache
    let retriever: Retriever

    /// Opens the objective over `store` (already ingested and embedded when `embedder` is given) and embeds every
    /// judged query's text in batches. `embedder` nil restricts the space to keyword search.
    public init(store: IndexStore, embedder: (any Embedder)?, queries: [String: String], qrels: Qrels, dimensions: [Dimension]) throws {
        self.store = store
        self.embedder = embedder
        self.queries = queries
        self.qrels = qrels
        let cache = QueryEmbeddingCache(capacity: queries.count + 1)
        self.cache = cache
        self.space = SearchSpace(name: "retrieval", dimensions: embedder == nil ? Self.keywordOnly(dimensions) : dimensions)
        self.retriever = Retriever(store: store, embedder: embedder, cache: cache)
        if let embedder {
            let texts = qrels.keys.sorted().compactMap { queries[$0] }
            var i = 0
            while i < texts.count {
                let batch = Array(texts[i..<min(texts.count, i + 32)]).filter { !cache.contains(model: embedder.modelID, text: $0) }
                if !batch.isEmpty {
                    for (text, vector) in zip(batch, try embedder.embed(batch)) { cache.put(model: embedder.modelID, text: text, vector: vector) }
                }
                i += 32
            }
        }
    }

    /// Without an encoder only keyword search runs: the mode is fixed and fusion settings are moot.
    static func keywordOnly(_ dims: [Dimension]) -> [Dimension] {
        [Dimension("mode", section: "retrieval", .choice([RetrievalMode.keyword.rawValue]), default: .text(RetrievalMode.keyword.rawValue))]
    }

    /// The search settings of a point (missing keys at their defaults).
    public static func parameters(_ s: TuneSettings, k: Int) throws -> SearchParameters {
        let mode = s["mode"]?.textValue.flatMap(RetrievalMode.init(rawValue:)) ?? .hybrid
        let fusion: Fusion
        if s["fusion"]?.textValue == "weighted" {
            let w = s["dense_weight"]?.realValue ?? Fusion.defaultDenseWeight
            fusion = .weighted(dense: w, keyword: 1 - w)
        } else {
            fusion = .reciprocalRank(k: Double(s["rrf_k"]?.integerValue ?? Int(Fusion.rrfK)))
        }
        return try SearchParameters(mode: mode, k: k, nprobe: s["nprobe"]?.integerValue, fusion: fusion)
    }

    /// Ranks each id's query with `settings` and returns its nDCG@10 (`RetrievalMetrics`, as `rag eval`; ids
    /// without a relevant document are skipped, as `rag eval`'s mean skips them; a judged id with no query text
    /// scores 0). Hybrid search fuses the top `fusion_depth` documents of each list (`rankDocuments` takes each
    /// list as deep as the documents it returns); the other modes rank 100 documents, all nDCG@10 reads of them.
    public func scores(_ settings: TuneSettings, ids: [String]) async throws -> [Double] {
        let depth = settings["fusion_depth"]?.integerValue ?? RetrievalOptions().fusionDepth
        let p = try Self.parameters(settings, k: settings["mode"]?.textValue == "hybrid" ? depth : 100)
        var out: [Double] = []
        for id in ids {
            guard let relevance = qrels[id], relevance.values.contains(where: { $0 > 0 }) else { continue }
            var docs: [String: Double] = [:]
            if let text = queries[id] {
                for (doc, score) in try retriever.rankDocuments(text, p) { docs[doc] = score }
            }
            out.append(RetrievalMetrics.evaluate(run: [id: docs], qrels: [id: relevance]).ndcgAt10)
        }
        return out
    }
}
