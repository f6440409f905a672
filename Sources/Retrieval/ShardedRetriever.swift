/// Search over a sharded index: every shard searched concurrently with the same query vector, the per-shard top-k
/// merged by score. Dense results equal the unsharded index's (inner products do not depend on the shard); keyword
/// scores are each shard's bm25.
import Dispatch
import Foundation
import RAGCore
import Store

public final class ShardedRetriever: @unchecked Sendable {
    public let shards: [Retriever]

    public init(shards: [Retriever]) { self.shards = shards }

    /// Runs `body` on every shard concurrently; the first error (by shard order) is thrown.
    func each<T: Sendable>(_ body: @Sendable (Retriever) throws -> T) throws -> [T] {
        let results = UnsafeMutableBufferPointer<Result<T, Error>?>.allocate(capacity: shards.count)
        results.initialize(repeating: nil)
        defer { results.deinitialize(); results.deallocate() }
        let slots = Slots(buffer: results)
        let shards = self.shards
        DispatchQueue.concurrentPerform(iterations: shards.count) { i in
            slots.buffer[i] = Result { try body(shards[i]) }
        }
        return try results.map { try $0!.get() }
    }

    struct Slots<T>: @unchecked Sendable { let buffer: UnsafeMutableBufferPointer<T> }

    public func search(_ query: String, _ p: SearchParameters, highlight: (String, String) = ("[", "]")) throws -> [SearchHit] {
        let mode = p.mode, k = p.k
        if mode != .keyword, let first = shards.first { _ = try first.embedQuery(query) }  // embed once; the shards share the cache
        let depth = mode == .hybrid ? max(k, shards.first?.options.fusionDepth ?? k) : k
        let h = highlight
        let dense: [[SearchHit]] = mode == .keyword ? [] : try each { try $0.search(query, p.with(mode: .dense, k: depth), highlight: h) }
        let keyword: [[SearchHit]] = mode == .dense ? [] : try each { try $0.search(query, p.with(mode: .keyword, k: depth), highlight: h) }
        func merged(_ lists: [[SearchHit]]) -> [(key: ShardChunk, score: Double, hit: SearchHit)] {
            var all: [(key: ShardChunk, score: Double, hit: SearchHit)] = []
            for (s, list) in lists.enumerated() { for hit in list { all.append((ShardChunk(shard: s, chunk: hit.chunkID), hit.score, hit)) } }
            return all.sorted { $0.score != $1.score ? $0.score > $1.score : ($0.key.shard, $0.key.chunk) < ($1.key.shard, $1.key.chunk) }
        }
        let d = merged(dense), kw = merged(keyword)
        var hits: [ShardChunk: SearchHit] = [:]
        for item in d + kw where hits[item.key] == nil { hits[item.key] = item.hit }
        let ranked: [(key: ShardChunk, score: Double)]
        switch mode {
        case .dense: ranked = d.map { ($0.key, $0.score) }
        case .keyword: ranked = kw.map { ($0.key, $0.score) }
        case .hybrid:
            ranked = p.fusion.fuse(dense: Array(d.prefix(depth)).map { ($0.key, $0.score) }, keyword: Array(kw.prefix(depth)).map { ($0.key, $0.score) })
        }
        return ranked.prefix(k).enumerated().map { i, item in
            var h = hits[item.key]!
            h.rank = i + 1
            h.score = item.score
            return h
        }
    }
}

/// A chunk of one shard (chunk ids repeat across shards).
struct ShardChunk: Hashable, Sendable {
    var shard: Int
    var chunk: Int64
}
