/// Request deadlines, checked every 20 ms by one thread; an expired entry's action runs once, off the lock.
import Foundation

/// One watcher thread keeps every deadline: a sleeping task per request would leave its timer registered until the
/// deadline even after cancellation — at thousands of requests a second that is hundreds of megabytes held for
/// two minutes.
final class DeadlineWatcher: @unchecked Sendable {  // `entries` and `next` are guarded by `lock`
    static let shared = DeadlineWatcher()
    private let lock = NSLock()
    private var entries: [UInt64: (deadline: ContinuousClock.Instant, action: @Sendable () -> Void)] = [:]
    private var next: UInt64 = 0

    private init() {
        let thread = Thread { [unowned self] in
            while true {
                usleep(20_000)
                let now = ContinuousClock.now
                let due: [@Sendable () -> Void] = lock.withLock {
                    let ids = entries.filter { $0.value.deadline <= now }.map(\.key)
                    return ids.compactMap { entries.removeValue(forKey: $0)?.action }
                }
                for action in due { action() }
            }
        }
        thread.name = "rag-deadlines"
        thread.start()
    }

    func add(deadline: ContinuousClock.Instant, action: @escaping @Sendable () -> Void) -> UInt64 {
        lock.withLock {
            next += 1
            entries[next] = (deadline, action)
            return next
        }
    }

    func remove(_ id: UInt64) { _ = lock.withLock { entries.removeValue(forKey: id) } }
}
