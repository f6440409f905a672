/// The server's pool of read connections: one connection per concurrent user, reused, opened only when none is free.
import Foundation
import Store
import Testing

struct ReaderPoolTests {
    final class Reader: PooledReader, @unchecked Sendable {  // used by one holder at a time
        let store: IndexStore
        init(store: IndexStore) { self.store = store }
    }

    @Test func concurrentHoldersGetTheirOwnConnectionsAndReturnedOnesAreReused() throws {
        let path = temporaryIndexPath()
        _ = try IndexStore(path: path)  // creates the index
        let pool = ReaderPool<Reader>(path: path) { Reader(store: $0) }
        let a = try pool.take(), b = try pool.take()
        #expect(a !== b)
        #expect(a.store !== b.store)
        #expect(pool.freeCount == 0)
        pool.put(a)
        #expect(pool.freeCount == 1)
        let c = try pool.take()
        #expect(c === a, "a returned connection is reused before another is opened")
        pool.put(b)
        pool.put(c)
        #expect(pool.freeCount == 2)
    }

    @Test func aReturnedConnectionSeesWritesMadeAfterItsLastUse() async throws {
        let path = temporaryIndexPath()
        let writer = try IndexStore(path: path)
        let pool = ReaderPool<Reader>(path: path) { Reader(store: $0) }
        let before = try await pool.withReader { try $0.store.generation() }
        try writer.setMeta("generation", String(before + 1))
        // The statement that read the old value was reset on return, so no old snapshot is kept.
        #expect(try await pool.withReader { try $0.store.generation() } == before + 1)
    }
}
