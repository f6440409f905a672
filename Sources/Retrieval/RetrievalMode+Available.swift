/// The retrieval mode an index can serve: hybrid uses what the index has, so an index ingested with --no-embed is
/// searched by keywords alone.
import Store

extension RetrievalMode {
    /// `self`, or keyword when `self` is hybrid and `store` holds no vectors.
    public func available(in store: IndexStore) throws -> RetrievalMode {
        guard self == .hybrid else { return self }
        return try store.embeddingCount() == 0 ? .keyword : self
    }
}
