/// Search results by query, mode, k and filter, valid for one index generation (an ingest makes them all stale).
/// Repeated queries — a dashboard's, a retry, the same question from several tools — skip embedding and search.
import Foundation
import Metrics
import Store

final class SearchCache: @unchecked Sendable {  // guarded by `lock`
    private let lock = NSLock()
    private var entries: [String: (generation: Int, hits: [SearchHit])] = [:]
    private var order: [String] = []
    let capacity: Int

    init(capacity: Int = 1024) { self.capacity = max(1, capacity) }

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
        lock.withLock {
            if entries.updateValue((generation, hits), forKey: key) == nil {
                order.append(key)
                if order.count > capacity { entries[order.removeFirst()] = nil }
            }
        }
    }
}
