/// The load balancing both remote pools share (generation and embeddings): each request goes to the healthy member
/// with the fewest requests in flight; a member whose connection fails is taken out at once, and a health checker
/// puts it back when it answers again.
import Foundation
import Metrics
import RAGCore

/// One server of a pool: where it is, and whether it answers.
public protocol PoolMember: Sendable {
    var endpoint: HTTPEndpoint { get }
    func checkHealth(timeout: Duration) async -> Bool
}

/// A pool member's state, as /readyz and the tests see it.
public struct BackendStatus: Sendable, Codable {
    public var url: String
    public var healthy: Bool
    public var inFlight: Int
    public var requests: Int
    public var failures: Int
}

public final class LeastBusyPool<Member: PoolMember>: @unchecked Sendable {  // mutable state is guarded by `lock`
    public let members: [Member]
    private let lock = NSLock()
    private var healthy: [Bool]
    private var inFlight: [Int]
    private var requests: [Int]
    private var failures: [Int]
    private var next = 0
    private var checker: Task<Void, Never>?
    private let healthGauges: [Gauge]
    private let inFlightGauges: [Gauge]

    /// `metricsPrefix` names the gauges (`<prefix>_healthy`, `<prefix>_in_flight`, one series per member URL).
    public init(members: [Member], metricsPrefix: String = "rag_backend") {
        precondition(!members.isEmpty, "callers check for an empty URL list and report it")
        self.members = members
        healthy = Array(repeating: true, count: members.count)
        inFlight = Array(repeating: 0, count: members.count)
        requests = Array(repeating: 0, count: members.count)
        failures = Array(repeating: 0, count: members.count)
        healthGauges = members.map { Gauge(label: "\(metricsPrefix)_healthy", dimensions: [("backend", $0.endpoint.description)]) }
        inFlightGauges = members.map { Gauge(label: "\(metricsPrefix)_in_flight", dimensions: [("backend", $0.endpoint.description)]) }
        for g in healthGauges { g.record(1) }
        for g in inFlightGauges { g.record(0) }
    }

    deinit { checker?.cancel() }

    public var status: [BackendStatus] {
        lock.withLock {
            members.indices.map { BackendStatus(url: members[$0].endpoint.description, healthy: healthy[$0], inFlight: inFlight[$0],
                                                requests: requests[$0], failures: failures[$0]) }
        }
    }

    /// Members currently believed healthy.
    public var healthyCount: Int { lock.withLock { healthy.filter { $0 }.count } }

    /// Checks every member now and then every `interval` until the pool is released.
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
            for (i, m) in members.enumerated() { group.addTask { (i, await m.checkHealth(timeout: .seconds(2))) } }
            for await (i, ok) in group { setHealthy(i, ok) }
        }
    }

    func setHealthy(_ i: Int, _ ok: Bool) {
        lock.withLock { healthy[i] = ok }
        healthGauges[i].record(ok ? 1 : 0)
    }

    /// The healthy member with the fewest requests in flight (round robin among equals), not in `excluded`.
    /// With none healthy, an unhealthy one is tried: a check may simply not have run since it recovered.
    func acquire(excluding excluded: Set<Int>) -> Int? {
        lock.withLock {
            let candidates = members.indices.filter { !excluded.contains($0) }
            guard !candidates.isEmpty else { return nil }
            let pool = candidates.contains { healthy[$0] } ? candidates.filter { healthy[$0] } : candidates
            let order = pool.sorted { a, b in
                if inFlight[a] != inFlight[b] { return inFlight[a] < inFlight[b] }
                return (a - next + members.count) % members.count < (b - next + members.count) % members.count
            }
            let i = order[0]
            next = (i + 1) % members.count
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
}
