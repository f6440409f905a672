/// The answer engine's view of retrieval: ranked chunks for a question, with how long each stage took.
import Foundation
import RAGCore
import Retrieval
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

/// Retrieval through the `Retriever` (dense, keyword or hybrid, with filters). When the retriever has an encoder,
/// the question's cosine similarity to each hit is computed from the stored vectors, so the relevance floor can
/// judge whether anything relevant came back whatever the mode.
public struct SearchContextRetriever: ContextRetriever, @unchecked Sendable {
    let retriever: Retriever
    let mode: RetrievalMode
    let filter: ChunkFilter?

    public init(retriever: Retriever, mode: RetrievalMode, filter: ChunkFilter? = nil) {
        self.retriever = retriever
        self.mode = mode
        self.filter = filter
    }

    public func retrieve(_ question: String, k: Int) throws -> RetrievalResult {
        let t0 = Date()
        // Embedded once: the retriever's query cache serves the dense search below.
        let queryVector = retriever.embedder == nil ? nil : try retriever.embedQuery(question)
        let t1 = Date()
        let hits = try retriever.search(question, mode: mode, k: k, filter: filter)
        var similarities: [Double]?
        if let queryVector {
            let vectors = try retriever.store.embeddings(chunkIDs: hits.map(\.chunkID))
            similarities = hits.map { h in
                vectors[h.chunkID].map { v in Double(zip(queryVector, v).reduce(Float(0)) { $0 + $1.0 * $1.1 }) } ?? 0
            }
        }
        return RetrievalResult(hits: hits, similarities: similarities, embedSeconds: t1.timeIntervalSince(t0),
                               searchSeconds: Date().timeIntervalSince(t1))
    }
}
