/// Hands out the numbers 0, 1, 2, … below a limit to concurrent workers, each number once (batches to encoder
/// threads, requests to benchmark clients).
import Foundation

/// A lock rather than an actor: it is taken once per unit of work (milliseconds each), from synchronous worker
/// threads as well as tasks.
public final class WorkCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0

    public init() {}

    /// The next unclaimed number below `limit`, or nil when all are taken.
    public func take(below limit: Int) -> Int? {
        lock.withLock {
            guard next < limit else { return nil }
            next += 1
            return next - 1
        }
    }
}
