/// Opening a sharded index for search: every shard read-only, one encoder for all (the shards must agree on it),
/// one query-embedding cache so the query is embedded once.
import Foundation
import RAGCore
import Store

extension ShardedRetriever {
    /// Opens the shards listed in the manifest at `path`. `embedder` builds the query encoder for the shards'
    /// encoder id (nil when no shard has vectors); it is called only when `mode` needs vectors. Returns the
    /// retriever and the mode it can serve (hybrid falls back to keyword when no shard has vectors).
    public static func open(at path: String, mode requested: RetrievalMode, options: RetrievalOptions,
                            embedder: (_ modelID: String?) throws -> any Embedder) throws -> (retriever: ShardedRetriever, mode: RetrievalMode) {
        let manifest = try ShardLayout.load(at: path)
        let stores = try ShardLayout.shardPaths(path, manifest).map { try IndexStore(path: $0, readOnly: true) }
        let models = try stores.compactMap { try $0.meta("embedding_model") }
        let mode = requested == .hybrid && models.isEmpty ? .keyword : requested
        guard Set(models).count <= 1 else {
            throw RAGError(.encoderMismatch, "shards of \(path) hold vectors of different encoders (\(Set(models).sorted().joined(separator: ", "))): re-ingest with --reembed")
        }
        let encoder = mode == .keyword ? nil : try embedder(models.first)
        let cache = QueryEmbeddingCache()
        let shards = stores.map { Retriever(store: $0, embedder: encoder, options: options, cache: cache) }
        return (ShardedRetriever(shards: shards), mode)
    }
}
