/// Generation load-balanced over several OpenAI-compatible servers (`LeastBusyPool`): a request whose backend fails
/// before any text reached the caller is tried on the next one; GET /v1/models is the health check.
import Foundation
import RAGCore

public final class BackendPool: GenerationBackend, @unchecked Sendable {
    public typealias Status = BackendStatus

    /// Selection, health and accounting, shared with the remote embedder's pool.
    public let members: LeastBusyPool<OpenAIBackend>
    public var backends: [OpenAIBackend] { members.members }
    public let contextLength: Int

    public init(backends: [OpenAIBackend]) throws {
        guard !backends.isEmpty else { throw RAGError(.invalidGenerator, "the backend pool needs at least one URL") }
        members = LeastBusyPool(members: backends)
        contextLength = backends.map(\.contextLength).min()!
    }

    public var status: [Status] { members.status }

    /// Generations sent to one backend at once when none is configured: what such a server decodes together
    /// (`rag serve`'s default `--parallel`, `LocalGenerator.defaultParallel`; llama-server's `--parallel 4`).
    public static let defaultConcurrencyPerBackend = 4

    /// Checks every backend now and then every `interval` until the pool is released.
    public func startHealthChecks(interval: Duration = .seconds(2)) { members.startHealthChecks(interval: interval) }

    public func checkAll() async { await members.checkAll() }

    func setHealthy(_ i: Int, _ ok: Bool) { members.setHealthy(i, ok) }
    func acquire(excluding excluded: Set<Int>) -> Int? { members.acquire(excluding: excluded) }
    func release(_ i: Int, failed: Bool) { members.release(i, failed: failed) }

    public func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream<GenerationEvent, any Error>.makeStream()
        if request.constraint != nil {
            // Refused before any backend is tried: no backend can serve it, and none is to blame.
            continuation.finish(throwing: OpenAIBackend.constraintUnsupported)
            return stream
        }
        let task = Task {
            var tried = Set<Int>()
            var lastError: (any Error)?
            while let i = acquire(excluding: tried) {
                tried.insert(i)
                let emitted = SetOnceFlag()
                do {
                    let summary = try await backends[i].run(request) { text in
                        emitted.set()
                        continuation.yield(.text(text))
                    }
                    release(i, failed: false)
                    continuation.yield(.finished(summary))
                    continuation.finish()
                    return
                } catch let e as RAGError where (e.isConnectionFailure || e.code == .backendError) && !emitted.isSet {
                    // Nothing reached the caller yet: take the backend out and try another.
                    release(i, failed: true)
                    setHealthy(i, false)
                    lastError = e
                } catch {
                    release(i, failed: !(error is CancellationError))
                    if let e = error as? RAGError, e.code != .backendRejected { setHealthy(i, false) }
                    continuation.finish(throwing: error)
                    return
                }
            }
            continuation.finish(throwing: RAGError(.noBackend, "no generator backend answered (\(backends.map(\.endpoint.description).joined(separator: ", "))): \(lastError.map { "\($0)" } ?? "none configured")"))
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }
}
