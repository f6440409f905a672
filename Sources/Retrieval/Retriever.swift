/// Dense, keyword and hybrid search over one index: the query embedded once (LRU cache), the vector index the
/// planner picks (reloaded when the store's generation moves), FTS5 for keywords, and fusion of the two.
import Foundation
import RAGCore
import Store

public enum RetrievalMode: String, Sendable, Codable, CaseIterable {
    case dense, keyword, hybrid
}

public struct RetrievalOptions: Sendable {
    public var indexType: VectorIndexType = .auto
    /// IVF lists per query; nil = the index's default.
    public var nprobe: Int?
    /// Threads for one vector scan.
    public var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    public var fusion: Fusion = .default
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

    /// The vector index for the store's current generation (loaded on first use and after any change).
    public func denseIndex() throws -> DenseIndex {
        try shared.lock.withLock {
            let generation = try store.generation()
            if let loaded = shared.loaded, loaded.generation == generation { return loaded }
            let index = try DenseIndex(store: store, requested: options.indexType)
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
            throw RAGError(.encoderMismatch, "index \(store.path) was embedded with \(indexModel), but the query encoder is \(embedder.modelID): vectors of different encoders cannot be compared; re-ingest with --reembed or use the index's encoder")
        }
        if let v = cache.get(model: embedder.modelID, text: text) { return v }
        guard let v = try embedder.embed([text]).first, v.count == embedder.dimension, v.allSatisfy(\.isFinite) else {
            throw RAGError(.encoderError, "the encoder gave no usable vector for the query")
        }
        cache.put(model: embedder.modelID, text: text, vector: v)
        return v
    }

    /// The k nearest chunks by inner product, as (chunk id, score).
    public func denseChunks(_ query: String, k: Int, filter: ChunkFilter? = nil) throws -> [(key: Int64, score: Double)] {
        try checkK(k)
        let vector = try embedQuery(query)
        let index = try denseIndex()
        guard index.count > 0 else { return [] }
        guard vector.count == index.dimension else {
            throw RAGError(.encoderMismatch, "index \(store.path) holds \(index.dimension)-dimensional vectors, the query encoder makes \(vector.count)")
        }
        var opts = VectorSearchOptions(threads: options.threads, nprobe: options.nprobe)
        if let filter, !filter.isEmpty { opts.filter = try store.rowSet(matching: filter, in: index.matrix) }
        return try index.search(vector, k: k, options: opts).map { (key: $0.id, score: Double($0.score)) }
    }

    func checkK(_ k: Int) throws {
        guard k >= 1 else { throw RAGError(.invalidK, "k must be at least 1, got \(k)") }
    }

    /// The best k chunks for `query` in `mode`, as hits with path, heading, text and snippet.
    public func search(_ query: String, mode: RetrievalMode = .hybrid, k: Int, filter: ChunkFilter? = nil,
                       highlight: (String, String) = ("[", "]")) throws -> [SearchHit] {
        try checkK(k)
        let f = filter?.isEmpty == false ? filter : nil
        switch mode {
        case .keyword:
            return try store.keywordSearch(query, k: k, highlight: highlight, filter: f)
        case .dense:
            return try hits(try denseChunks(query, k: k, filter: f), k: k, snippets: [:])
        case .hybrid:
            let depth = max(k, options.fusionDepth)
            let dense = try denseChunks(query, k: depth, filter: f)
            let keyword = try store.keywordRanked(query, k: depth, filter: f)
            let top = Array(options.fusion.fuse(dense: dense, keyword: keyword).prefix(k))
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

    /// Documents ranked by their best chunk (for evaluation): (document key, score), best first.
    public func rankDocuments(_ query: String, mode: RetrievalMode, limit: Int, filter: ChunkFilter? = nil) throws -> [(key: String, score: Double)] {
        try checkK(limit)
        switch mode {
        case .keyword:
            return try store.keywordRankDocuments(query, limit: limit, filter: filter).map { (key: $0.0, score: $0.1) }
        case .dense:
            return try denseDocuments(query, limit: limit, filter: filter)
        case .hybrid:
            let dense = try denseDocuments(query, limit: limit, filter: filter)
            let keyword = try store.keywordRankDocuments(query, limit: limit, filter: filter).map { (key: $0.0, score: $0.1) }
            return Array(options.fusion.fuse(dense: dense, keyword: keyword).prefix(limit))
        }
    }

    func denseDocuments(_ query: String, limit: Int, filter: ChunkFilter?) throws -> [(key: String, score: Double)] {
        let keys = try chunkDocumentKeys()
        // Documents with several chunks take several places: read twice the limit in chunks.
        let chunks = try denseChunks(query, k: limit * 2, filter: filter)
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
