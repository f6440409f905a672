/// The answer engine's view of retrieval: ranked chunks for a question, with how long each stage took.
import Foundation
import RAGCore
import Store

public struct RetrievalResult: Sendable {
    public var hits: [SearchHit]
    /// Cosine similarity of the question to each hit (same order), when a dense model is at hand.
    public var similarities: [Double]?
    public var embedSeconds: Double
    public var searchSeconds: Double

    public init(hits: [SearchHit], similarities: [Double]?, embedSeconds: Double, searchSeconds: Double) {
        self.hits = hits
        self.similarities = similarities
        self.embedSeconds = embedSeconds
        self.searchSeconds = searchSeconds
    }
}

public protocol ContextRetriever: Sendable {
    func retrieve(_ question: String, k: Int) throws -> RetrievalResult
}

/// Keyword (FTS5) retrieval, with dense similarities computed for the hits when an embedder is given, so the
/// relevance floor can still judge whether anything relevant came back.
public struct KeywordContextRetriever: ContextRetriever, @unchecked Sendable {
    let store: IndexStore
    let embedder: (any Embedder)?

    public init(store: IndexStore, embedder: (any Embedder)?) {
        self.store = store
        self.embedder = embedder
    }

    public func retrieve(_ question: String, k: Int) throws -> RetrievalResult {
        let t0 = Date()
        let hits = try store.keywordSearch(question, k: k)
        let t1 = Date()
        guard let embedder, !hits.isEmpty else {
            return RetrievalResult(hits: hits, similarities: nil, embedSeconds: 0, searchSeconds: t1.timeIntervalSince(t0))
        }
        let q = try embedder.embed([question])[0]
        let vectors = try store.embeddings(chunkIDs: hits.map(\.chunkID))
        let sims = hits.map { h in vectors[h.chunkID].map { v in Double(zip(q, v).reduce(Float(0)) { $0 + $1.0 * $1.1 }) } ?? 0 }
        return RetrievalResult(hits: hits, similarities: sims, embedSeconds: Date().timeIntervalSince(t1), searchSeconds: t1.timeIntervalSince(t0))
    }
}
