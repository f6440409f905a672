/// GET /healthz (the process is up), GET /readyz (models loaded, index open) and GET /metrics (Prometheus text).
import Foundation
import Hummingbird
import Metrics
import NIOCore
import Prometheus

struct OpsRoutes {
    let state: ServiceState
    let registry: PrometheusCollectorRegistry

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
        let bytes = registry.emitToBuffer()
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
