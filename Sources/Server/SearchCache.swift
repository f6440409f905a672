/// Search results by query, mode, k and filter, valid for one index generation (an ingest makes them all stale).
/// Repeated queries — a dashboard's, a retry, the same question from several tools — skip embedding and search.
import Foundation
import Metrics
import Store

final class SearchCache: @unchecked Sendable {  // guarded by `lock`
    private let lock = NSLock()
    private var entries: [String: (generation: Int, hits: [SearchHit], bytes: Int)] = [:]
    private var order: [String] = []
    private var bytes = 0
    let capacity: Int
    /// Most bytes of hit text held at once: entries hold whole chunk texts, so a count limit alone let 100
    /// searches hitting one 2 MB chunk take 600 MB.
    let maxBytes: Int

    init(capacity: Int = 1024, maxBytes: Int = 32 << 20) {
        self.capacity = max(1, capacity)
        self.maxBytes = max(1, maxBytes)
    }

    /// Bytes an entry holds (texts and paths dominate).
    static func size(_ hits: [SearchHit]) -> Int {
        hits.reduce(64) { $0 + 64 + $1.text.utf8.count + $1.snippet.utf8.count + $1.path.utf8.count + $1.headingPath.utf8.count }
    }

    var heldBytes: Int { lock.withLock { bytes } }

    static func key(query: String, mode: String, k: Int, nprobe: Int? = nil, filter: [String]) -> String {
        "\(mode)\u{1F}\(k)\u{1F}\(nprobe.map(String.init) ?? "-")\u{1F}\(filter.joined(separator: "\u{1E}"))\u{1F}\(query)"
    }

    func get(_ key: String, generation: Int) -> [SearchHit]? {
        let hit: [SearchHit]? = lock.withLock {
            guard let e = entries[key], e.generation == generation else { return nil }
            return e.hits
        }
        Counter(label: "rag_cache_requests_total", dimensions: [("cache", "search"), ("result", hit == nil ? "miss" : "hit")]).increment()
        return hit
    }

    func put(_ key: String, generation: Int, hits: [SearchHit]) {
        let size = Self.size(hits)
        // One entry larger than an eighth of the budget is not worth evicting everything else for.
        guard size <= maxBytes / 8 else { return }
        lock.withLock {
            if let old = entries.updateValue((generation, hits, size), forKey: key) {
                bytes -= old.bytes
            } else {
                order.append(key)
            }
            bytes += size
            // Oldest first, until both limits hold (the order list and the dictionary stay in step).
            while order.count > capacity || bytes > maxBytes, !order.isEmpty {
                let evicted = order.removeFirst()
                if let e = entries.removeValue(forKey: evicted) { bytes -= e.bytes }
            }
        }
    }
}
