/// The request deadline: a route's work past the server's limit is cancelled and answered with 504.
import RAGCore

/// Runs `body` with a deadline; past it `body` is cancelled and the caller gets 504 (blocking work already started
/// runs to its end).
func withTimeout<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    let task = Task { try await body() }
    let expired = SetOnceFlag()
    let id = DeadlineWatcher.shared.add(deadline: ContinuousClock.now + limit) {
        expired.set()
        task.cancel()
    }
    defer { DeadlineWatcher.shared.remove(id) }
    do {
        return try await withTaskCancellationHandler { try await task.value } onCancel: { task.cancel() }
    } catch {
        if expired.isSet {
            throw APIError(.timeout, "the request took longer than the server's limit of \(limit.seconds) s")
        }
        throw error
    }
}
