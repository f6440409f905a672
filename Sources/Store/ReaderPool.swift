/// Read connections to one index file for concurrent requests: each request takes a connection of its own (SQLite
/// connections are not shared between threads) and gives it back with no read transaction left open.
import Foundation

/// What the pool holds: a connection, possibly with state built over it (a retriever and its caches).
public protocol PooledReader: AnyObject, Sendable {
    var store: IndexStore { get }
}

public final class ReaderPool<Reader: PooledReader>: @unchecked Sendable {  // `free` is guarded by `lock`
    private let lock = NSLock()
    private var free: [Reader] = []
    private let open: @Sendable () throws -> Reader

    /// Readers over `path`; `make` builds one over a freshly opened connection when none is free. Connections
    /// are opened on demand, so the pool grows to the highest concurrency seen and no further.
    public init(path: String, make: @escaping @Sendable (IndexStore) throws -> Reader) {
        open = { try make(IndexStore(path: path)) }
    }

    /// Adds a reader built elsewhere (over the connection start-up already opened).
    public func add(_ reader: Reader) { lock.withLock { free.append(reader) } }

    /// A free reader, or a new one.
    public func take() throws -> Reader {
        if let reader = lock.withLock({ free.popLast() }) { return reader }
        return try open()
    }

    /// Returns `reader` to the pool. Its prepared statements are reset first, so no read transaction (and no WAL
    /// snapshot) is carried over to the next request.
    public func put(_ reader: Reader) {
        reader.store.db.resetStatements()
        lock.withLock { free.append(reader) }
    }

    /// Runs `body` with a reader of its own.
    public func withReader<T>(_ body: (Reader) async throws -> T) async throws -> T {
        let reader = try take()
        defer { put(reader) }
        return try await body(reader)
    }

    /// Readers open and free now.
    public var freeCount: Int { lock.withLock { free.count } }
}
