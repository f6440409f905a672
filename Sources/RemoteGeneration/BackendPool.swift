/// Load balancing over several OpenAI-compatible servers: each request goes to the healthy backend with the fewest
/// requests in flight; a backend whose connection fails is taken out at once, and a health checker puts it back
/// when GET /v1/models answers again.
import Foundation
import Metrics
import RAGCore

public final class BackendPool: GenerationBackend, @unchecked Sendable {  // mutable state is guarded by `lock`
    public struct Status: Sendable, Codable {
        public var url: String
        public var healthy: Bool
        public var inFlight: Int
        public var requests: Int
        public var failures: Int
    }

    public let backends: [OpenAIBackend]
    public let contextLength: Int
    private let lock = NSLock()
    private var healthy: [Bool]
    private var inFlight: [Int]
    private var requests: [Int]
    private var failures: [Int]
    private var next = 0
    private var checker: Task<Void, Never>?
    private let healthGauges: [Gauge]
    private let inFlightGauges: [Gauge]

    public init(backends: [OpenAIBackend]) throws {
        guard !backends.isEmpty else { throw RAGError(.invalidGenerator, "the backend pool needs at least one URL") }
        self.backends = backends
        contextLength = backends.map(\.contextLength).min()!
        healthy = Array(repeating: true, count: backends.count)
        inFlight = Array(repeating: 0, count: backends.count)
        requests = Array(repeating: 0, count: backends.count)
        failures = Array(repeating: 0, count: backends.count)
        healthGauges = backends.map { Gauge(label: "rag_backend_healthy", dimensions: [("backend", $0.endpoint.description)]) }
        inFlightGauges = backends.map { Gauge(label: "rag_backend_in_flight", dimensions: [("backend", $0.endpoint.description)]) }
        for g in healthGauges { g.record(1) }
        for g in inFlightGauges { g.record(0) }
    }

    deinit { checker?.cancel() }

    public var status: [Status] {
        lock.withLock {
            backends.indices.map { Status(url: backends[$0].endpoint.description, healthy: healthy[$0], inFlight: inFlight[$0],
                                          requests: requests[$0], failures: failures[$0]) }
        }
    }

    /// Checks every backend now and then every `interval` until the pool is released.
    public func startHealthChecks(interval: Duration = .seconds(2)) {
        checker?.cancel()
        checker = Task { [weak self] in
            while !Task.isCancelled {
                await self?.checkAll()
                try? await Task.sleep(for: interval)
            }
        }
    }

    public func checkAll() async {
        await withTaskGroup(of: (Int, Bool).self) { group in
            for (i, b) in backends.enumerated() { group.addTask { (i, await b.checkHealth()) } }
            for await (i, ok) in group { setHealthy(i, ok) }
        }
    }

    func setHealthy(_ i: Int, _ ok: Bool) {
        lock.withLock { healthy[i] = ok }
        healthGauges[i].record(ok ? 1 : 0)
    }

    /// The healthy backend with the fewest requests in flight (round robin among equals), not in `excluded`.
    /// With none healthy, an unhealthy one is tried: a check may simply not have run since it recovered.
    func acquire(excluding excluded: Set<Int>) -> Int? {
        lock.withLock {
            let candidates = backends.indices.filter { !excluded.contains($0) }
            guard !candidates.isEmpty else { return nil }
            let pool = candidates.contains { healthy[$0] } ? candidates.filter { healthy[$0] } : candidates
            let order = pool.sorted { a, b in
                if inFlight[a] != inFlight[b] { return inFlight[a] < inFlight[b] }
                return (a - next + backends.count) % backends.count < (b - next + backends.count) % backends.count
            }
            let i = order[0]
            next = (i + 1) % backends.count
            inFlight[i] += 1
            requests[i] += 1
            inFlightGauges[i].record(inFlight[i])
            return i
        }
    }

    func release(_ i: Int, failed: Bool) {
        let n = lock.withLock {
            inFlight[i] -= 1
            if failed { failures[i] += 1 }
            return inFlight[i]
        }
        inFlightGauges[i].record(n)
    }

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
