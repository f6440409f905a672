/// GET /healthz (the process is up), GET /readyz (models loaded, index open) and GET /metrics (Prometheus text).
import Foundation
import Hummingbird
import NIOCore
import Prometheus
import RemoteGeneration

struct OpsController: RouteController {
    let state: ServiceState
    let registry: PrometheusCollectorRegistry

    static let endpoints: [Endpoint<Self>] = [
        Endpoint(.get, "/healthz") { c, r in try await c.healthz(r) },
        Endpoint(.get, "/readyz") { c, r in try await c.readyz(r) },
        Endpoint(.get, "/metrics") { c, r in try await c.metrics(r) },
    ]

    struct Health: Encodable { var status = "ok" }

    struct Readiness: Encodable {
        struct Backend: Encodable { var url: String; var healthy: Bool; var inFlight: Int }
        var status = "ready"
        var index: String
        var chunks: Int
        var vectors: Bool
        var generator: String
        var queueDepth: Int
        var backends: [Backend]?
    }

    func healthz(_ request: Request) async throws -> Response {
        try Reply.json(Health())
    }

    func readyz(_ request: Request) async throws -> Response {
        let s = try state.ready()
        let chunks = try await s.withSlot { slot in try await Services.offload { try slot.store.chunkCount() } }
        return try Reply.json(Readiness(
            index: s.configuration.indexPath, chunks: chunks, vectors: s.hasVectors, generator: s.generator.name,
            queueDepth: s.gate.depth,
            backends: s.generator.pool?.status.map { Readiness.Backend(url: $0.url, healthy: $0.healthy, inFlight: $0.inFlight) }))
    }

    func metrics(_ request: Request) async throws -> Response {
        let bytes = registry.emitToBuffer()
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
