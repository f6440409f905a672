/// GET /healthz (the process is up), GET /readyz (models loaded, index open) and GET /metrics (Prometheus text).
import Foundation
import Hummingbird
import Metrics
import NIOCore
import Prometheus

struct OpsRoutes {
    let state: ServiceState
    let registry: PrometheusCollectorRegistry
    private let scrape = ScrapeState()

    func healthz(_ request: Request) async throws -> Response {
        try Reply.json(object: ["status": "ok"])
    }

    func readyz(_ request: Request) async throws -> Response {
        let s = try state.ready()
        let chunks = try await s.withSlot { slot in try await Services.offload { try slot.store.db.scalarInt("SELECT count(*) FROM chunks") ?? 0 } }
        var o: [String: Any] = ["status": "ready", "index": s.configuration.indexPath, "chunks": chunks, "vectors": s.hasVectors,
                                "generator": s.generator.name, "queue_depth": s.gate.depth]
        if let pool = s.generator.pool {
            o["backends"] = pool.status.map { ["url": $0.url, "healthy": $0.healthy, "in_flight": $0.inFlight] as [String: Any] }
        }
        return try Reply.json(object: o)
    }

    func metrics(_ request: Request) async throws -> Response {
        if let s = state.current { scrape.update(s) }
        let bytes = registry.emitToBuffer()
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

/// Counters kept elsewhere (the query-embedding cache's), carried into the metrics at each scrape.
final class ScrapeState: @unchecked Sendable {  // guarded by `lock`
    private let lock = NSLock()
    private var hits = 0
    private var misses = 0

    func update(_ s: Services) {
        let (h, m) = (s.queryCache.hits, s.queryCache.misses)
        let (dh, dm) = lock.withLock {
            defer { hits = h; misses = m }
            return (max(0, h - hits), max(0, m - misses))
        }
        Counter(label: "rag_cache_requests_total", dimensions: [("cache", "query_embedding"), ("result", "hit")]).increment(by: dh)
        Counter(label: "rag_cache_requests_total", dimensions: [("cache", "query_embedding"), ("result", "miss")]).increment(by: dm)
    }
}
