/// A least-recently-used cache of query embeddings, keyed by encoder and text, so a repeated query (a retry, a
/// follow-up, the hybrid and dense paths of one request) is embedded once.
import Foundation

public final class QueryEmbeddingCache: @unchecked Sendable {
    // A lock rather than an actor: lookups sit on the synchronous search path and take well under a microsecond.
    private let lock = NSLock()
    private var entries: [String: (vector: [Float], tick: UInt64)] = [:]
    private var tick: UInt64 = 0
    public let capacity: Int
    public private(set) var hits = 0
    public private(set) var misses = 0

    public init(capacity: Int = 256) { self.capacity = max(1, capacity) }

    public var count: Int { lock.withLock { entries.count } }

    static func key(_ model: String, _ text: String) -> String { model + "\u{0}" + text }

    public func get(model: String, text: String) -> [Float]? {
        lock.withLock {
            let key = Self.key(model, text)
            guard let e = entries[key] else { misses += 1; return nil }
            tick += 1
            entries[key] = (e.vector, tick)
            hits += 1
            return e.vector
        }
    }

    /// Whether a vector is cached, without counting a hit or a miss.
    public func contains(model: String, text: String) -> Bool {
        lock.withLock { entries[Self.key(model, text)] != nil }
    }

    public func put(model: String, text: String, vector: [Float]) {
        lock.withLock {
            tick += 1
            entries[Self.key(model, text)] = (vector, tick)
            if entries.count > capacity, let oldest = entries.min(by: { $0.value.tick < $1.value.tick })?.key {
                entries.removeValue(forKey: oldest)
            }
        }
    }
}
