/// The bounded generation queue: at most `concurrency` generations run, at most `maxQueued` wait; beyond that a
/// request is refused at once (503 with Retry-After) instead of waiting without bound.
import Foundation
import Metrics

final class GenerationGate: @unchecked Sendable {  // state is guarded by `lock`
    let concurrency: Int
    let maxQueued: Int
    private let lock = NSLock()
    private var running = 0
    private var waiting: [(id: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []
    private var reserved = 0
    private var nextID: UInt64 = 0
    private let depthGauge: Gauge
    private let runningGauge: Gauge
    private let rejected: Counter
    /// What waits here, for the 503's message ("generation", "embeddings").
    private let what: String

    /// `metricsPrefix` names the gauges (`rag_generation_queue_depth`, …): one gate, one set of metrics.
    init(concurrency: Int, maxQueued: Int, metricsPrefix: String = "rag_generation") {
        self.concurrency = max(1, concurrency)
        self.maxQueued = max(0, maxQueued)
        depthGauge = Gauge(label: "\(metricsPrefix)_queue_depth")
        runningGauge = Gauge(label: "\(metricsPrefix)_in_flight")
        rejected = Counter(label: "\(metricsPrefix)_rejected_total")
        what = metricsPrefix.hasPrefix("rag_") ? String(metricsPrefix.dropFirst(4)) : metricsPrefix
        depthGauge.record(0)
        runningGauge.record(0)
    }

    /// A place in the queue, taken before any response is sent (so refusal can still be a 503).
    final class Ticket: @unchecked Sendable {
        let gate: GenerationGate
        var state = 0  // 0 reserved, 1 running, 2 released
        init(gate: GenerationGate) { self.gate = gate }
        /// Waits for a free slot.
        func start() async throws { try await gate.start(self) }
        func release() { gate.release(self) }
        deinit { if state != 2 { gate.release(self) } }
    }

    /// Reserves a place or refuses with 503.
    func admit() throws -> Ticket {
        try lock.withLock {
            guard running + reserved < concurrency + maxQueued else {
                rejected.increment()
                throw APIError(.busy, "the \(what) queue is full (\(concurrency) running, \(maxQueued) waiting): retry later",
                               headers: [.retryAfter: "1"])
            }
            reserved += 1
            depthGauge.record(reserved)
        }
        return Ticket(gate: self)
    }

    /// Starts `t` at once if a slot is free and nobody waits before it (call with `lock` held).
    private func startNowLocked(_ t: Ticket) -> Bool {
        guard running < concurrency && waiting.isEmpty else { return false }
        reserved -= 1
        running += 1
        t.state = 1
        record()
        return true
    }

    private func start(_ t: Ticket) async throws {
        let id: UInt64? = lock.withLock {
            guard t.state == 0, !startNowLocked(t) else { return nil }
            nextID += 1
            return nextID
        }
        guard let id else { return }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                // A cancellation that came before this point found nothing to resume in `onCancel`; it is seen here,
                // under the same lock, so the request does not wait for a place it no longer wants.
                let now: Result<Void, any Error>? = lock.withLock {
                    if startNowLocked(t) { return .success(()) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    waiting.append((id, c))
                    return nil
                }
                if let now { c.resume(with: now) }
            }
            lock.withLock { t.state = 1 }
        } onCancel: {
            let c: CheckedContinuation<Void, any Error>? = lock.withLock {
                guard let i = waiting.firstIndex(where: { $0.id == id }) else { return nil }
                return waiting.remove(at: i).continuation
            }
            // Still counted as reserved; `release` gives the place back.
            c?.resume(throwing: CancellationError())
        }
    }

    private func release(_ t: Ticket) {
        let next: CheckedContinuation<Void, any Error>? = lock.withLock {
            switch t.state {
            case 1: running -= 1
            case 0: reserved -= 1
            default: return nil
            }
            t.state = 2
            var resumed: CheckedContinuation<Void, any Error>?
            if running < concurrency, !waiting.isEmpty {
                resumed = waiting.removeFirst().continuation
                reserved -= 1
                running += 1
            }
            record()
            return resumed
        }
        next?.resume()
    }

    private func record() {
        depthGauge.record(reserved)
        runningGauge.record(running)
    }

    var depth: Int { lock.withLock { reserved } }
}
