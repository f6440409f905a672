/// The request deadline: a route's work past the server's limit is cancelled and answered with 504.
import Hummingbird
import RAGCore

/// When the current request must be answered by: set by `RequestDeadlineMiddleware` as the request arrives, so
/// reading the body counts against the deadline too (a client trickling its body in cannot stretch it).
struct RequestDeadline: Sendable {
    let at: ContinuousClock.Instant
    /// The server's limit the deadline was set from (for the 504's message).
    let limit: Duration

    @TaskLocal static var current: RequestDeadline?

    /// What is left of `limit`, counted from the request's arrival when one is known.
    static func remaining(_ limit: Duration) -> Duration {
        guard let deadline = current else { return limit }
        return max(.zero, min(limit, deadline.at - ContinuousClock.now))
    }
}

/// Starts the request's deadline before anything reads the request.
struct RequestDeadlineMiddleware<Context: RequestContext>: RouterMiddleware {
    let limit: Duration

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        try await RequestDeadline.$current.withValue(RequestDeadline(at: ContinuousClock.now + limit, limit: limit)) {
            try await next(request, context)
        }
    }
}

/// Runs `body` with a deadline (what is left of `limit` since the request arrived); past it `body` is cancelled and
/// the caller gets 504 (blocking work already started runs to its end).
func withTimeout<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    let full = RequestDeadline.current?.limit ?? limit
    let limit = RequestDeadline.remaining(limit)
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
            throw APIError(.timeout, "the request took longer than the server's limit of \(full.seconds) s")
        }
        throw error
    }
}
