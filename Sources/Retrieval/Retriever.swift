/// Dense, keyword and hybrid search over one index: the query embedded once (LRU cache), the vector index the
/// planner picks (reloaded when the store's generation moves), FTS5 for keywords, and fusion of the two.
import Foundation
import RAGCore
import Store

public enum RetrievalMode: String, Sendable, Codable, CaseIterable {
    case dense, keyword, hybrid
}

/// How one retriever runs its queries (the per-query settings are `SearchParameters`).
public struct RetrievalOptions: Sendable {
    /// Threads for one vector scan.
    public var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    /// Results taken from each list before fusing (at least k).
    public var fusionDepth: Int = 100

    public init() {}
}

/// The loaded vector index, shared by retrievers that read one index file over separate connections (the server's
/// per-request connections): loaded once per index generation, not once per connection.
public final class SharedDenseIndex: @unchecked Sendable {  // `loaded` is guarded by `lock`
    let lock = NSLock()
    var loaded: DenseIndex?
    public init() {}
}

public final class Retriever: @unchecked Sendable {
    public let store: IndexStore
    public let embedder: (any Embedder)?
    public let options: RetrievalOptions
    public let cache: QueryEmbeddingCache
    // The loaded vector index and the chunk → document keys, replaced when the store's generation changes;
    // guarded by `lock` so concurrent searches share one load.
    private let lock = NSLock()
    private let shared: SharedDenseIndex
    private var documentKeys: (generation: Int, keys: [Int64: String])?

    public init(store: IndexStore, embedder: (any Embedder)?, options: RetrievalOptions = .init(),
                cache: QueryEmbeddingCache = QueryEmbeddingCache(), sharedIndex: SharedDenseIndex = SharedDenseIndex()) {
        self.store = store
        self.embedder = embedder
        self.options = options
        self.cache = cache
        self.shared = sharedIndex
    }

    /// The vector index of `requested` type for the store's current generation (loaded on first use, after any
    /// change, and when a query asks for another type).
    public func denseIndex(_ requested: VectorIndexType = .auto) throws -> DenseIndex {
        try shared.lock.withLock {
            let generation = try store.generation()
            if let loaded = shared.loaded, loaded.generation == generation, loaded.requested == requested { return loaded }
            let index = try DenseIndex(store: store, requested: requested)
            shared.loaded = index
            return index
        }
    }

    /// The query's vector, from the cache or the encoder; refuses an encoder other than the index's.
    public func embedQuery(_ text: String) throws -> [Float] {
        guard let embedder else {
            throw RAGError(.encoderMissing, "dense and hybrid search need the encoder: none was loaded")
        }
        let indexModel = try store.meta("embedding_model")
        guard let indexModel else {
            throw RAGError(.noVectors, "index \(store.path) has no vectors: run `rag ingest` without --no-embed, or use --mode keyword")
        }
        guard indexModel == embedder.modelID else {
            // "openai:<model>" is a remote encoder that could not be shown to be the local one (see RemoteEmbedder).
            let hint = indexModel.hasPrefix("openai:") ? " (--encoder openai:URL with servers of \(indexModel.dropFirst(7)))" : ""
            throw RAGError(.encoderMismatch, "index \(store.path) was embedded with \(indexModel), but the query encoder is \(embedder.modelID): vectors of different encoders cannot be compared; re-ingest with --reembed or use the index's encoder\(hint)")
        }
        // Keyed by the query encoder (model plus any distillation or adapter), so adapted and plain vectors never mix.
        if let v = cache.get(model: embedder.queryCacheID, text: text) { return v }
        guard let v = try embedder.embed([text]).first, v.count == embedder.dimension, v.allSatisfy(\.isFinite) else {
            throw RAGError(.encoderError, "the encoder gave no usable vector for the query")
        }
        cache.put(model: embedder.queryCacheID, text: text, vector: v)
        return v
    }

    /// The `p.k` nearest chunks by inner product, as (chunk id, score), on the index `p` asks for.
    public func denseChunks(_ query: String, _ p: SearchParameters) throws -> [(key: Int64, score: Double)] {
        let vector = try embedQuery(query)
        let index = try denseIndex(p.indexType)
        guard index.count > 0 else { return [] }
        guard vector.count == index.dimension else {
            throw RAGError(.encoderMismatch, "index \(store.path) holds \(index.dimension)-dimensional vectors, the query encoder makes \(vector.count)")
        }
        var opts = VectorSearchOptions(threads: options.threads, nprobe: p.nprobe)
        if let filter = p.filter { opts.filter = try store.rowSet(matching: filter, in: index.matrix) }
        return try index.search(vector, k: p.k, options: opts).map { (key: $0.id, score: Double($0.score)) }
    }

    /// Why `p.nprobe` does not apply to this query, or nil when it does (or none was given): the planner picked
    /// flat or int8 for the index, or the mode reads no vectors. Search output shows it, so it is never silent.
    public func nprobeNotUsed(_ p: SearchParameters) throws -> String? {
        guard let nprobe = p.nprobe else { return nil }
        if p.mode == .keyword { return "nprobe \(nprobe) not used: keyword search reads no vectors" }
        let plan = try denseIndex(p.indexType).plan
        return plan.type == .ivf ? nil : "nprobe \(nprobe) not used: the \(plan.type.rawValue) index was searched (\(plan.reason))"
    }

    /// The best `p.k` chunks for `query` in `p.mode`, as hits with path, heading, text and snippet.
    public func search(_ query: String, _ p: SearchParameters, highlight: (String, String) = ("[", "]")) throws -> [SearchHit] {
        let k = p.k
        switch p.mode {
        case .keyword:
            return try store.keywordSearch(query, k: k, highlight: highlight, filter: p.filter)
        case .dense:
            return try hits(try denseChunks(query, p), k: k, snippets: [:])
        case .hybrid:
            let depth = max(k, options.fusionDepth)
            let dense = try denseChunks(query, p.with(k: depth))
            let keyword = try store.keywordRanked(query, k: depth, filter: p.filter)
            let top = Array(p.fusion.fuse(dense: dense, keyword: keyword).prefix(k))
            // Snippets for the k winners only (FTS5's snippet() is the costly part of a keyword search).
            let snippets = try store.keywordSnippets(query, chunkIDs: top.map(\.key), highlight: highlight)
            return try hits(top, k: k, snippets: snippets)
        }
    }

    /// Ranked (chunk id, score) to hits, with the highlighted snippets given.
    func hits(_ ranked: [(key: Int64, score: Double)], k: Int, snippets: [Int64: String]) throws -> [SearchHit] {
        let details = try store.chunkHits(ranked.map(\.key))
        var out: [SearchHit] = []
        for item in ranked.prefix(k) {
            guard var h = details[item.key] else { continue }
            h.rank = out.count + 1
            h.score = item.score
            if let s = snippets[item.key] { h.snippet = s }
            out.append(h)
        }
        return out
    }

    /// The best `p.k` documents, ranked by their best chunk (for evaluation): (document key, score), best first.
    public func rankDocuments(_ query: String, _ p: SearchParameters) throws -> [(key: String, score: Double)] {
        let limit = p.k
        switch p.mode {
        case .keyword:
            return try store.keywordRankDocuments(query, limit: limit, filter: p.filter).map { (key: $0.0, score: $0.1) }
        case .dense:
            return try denseDocuments(query, p)
        case .hybrid:
            let dense = try denseDocuments(query, p)
            let keyword = try store.keywordRankDocuments(query, limit: limit, filter: p.filter).map { (key: $0.0, score: $0.1) }
            return Array(p.fusion.fuse(dense: dense, keyword: keyword).prefix(limit))
        }
    }

    func denseDocuments(_ query: String, _ p: SearchParameters) throws -> [(key: String, score: Double)] {
        let limit = p.k
        let keys = try chunkDocumentKeys()
        // Documents with several chunks take several places: read twice the limit in chunks.
        let chunks = try denseChunks(query, p.with(k: limit * 2))
        var seen = Set<String>()
        var out: [(key: String, score: Double)] = []
        for c in chunks {
            guard let key = keys[c.key], seen.insert(key).inserted else { continue }
            out.append((key, c.score))
            if out.count == limit { break }
        }
        return out
    }

    func chunkDocumentKeys() throws -> [Int64: String] {
        try lock.withLock {
            let generation = try store.generation()
            if let documentKeys, documentKeys.generation == generation { return documentKeys.keys }
            let keys = try store.chunkDocumentKeys()
            documentKeys = (generation, keys)
            return keys
        }
    }
}
