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
    /// The chunks `search` selects for `question` (its mode, k, filter and index settings, validated where built).
    func retrieve(_ question: String, _ search: SearchParameters) throws -> RetrievalResult
}

/// Retrieval through the `Retriever` (dense, keyword or hybrid, with filters). When the retriever has an encoder,
/// the question's cosine similarity to each hit is computed from the stored vectors, so the relevance floor can
/// judge whether anything relevant came back whatever the mode.
public struct SearchContextRetriever: ContextRetriever, @unchecked Sendable {
    let retriever: Retriever

    public init(retriever: Retriever) {
        self.retriever = retriever
    }

    /// The query encoder retrieval runs (nil: keyword only).
    public var embedder: (any Embedder)? { retriever.embedder }

    public func retrieve(_ question: String, _ search: SearchParameters) throws -> RetrievalResult {
        let t0 = Date()
        // Embedded once: the retriever's query cache serves the dense search below.
        let queryVector = retriever.embedder == nil ? nil : try retriever.embedQuery(question)
        let t1 = Date()
        let hits = try retriever.search(question, search)
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
