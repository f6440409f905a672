/// GET /healthz (the process is up), GET /readyz (models loaded, index open) and GET /metrics (Prometheus text).
import Foundation
import Hummingbird
import NIOCore
import Prometheus
import Generator
import Metrics
import RemoteGeneration

struct OpsController: RouteController {
    let state: ServiceState
    let registry: PrometheusCollectorRegistry
    /// The API key, when one is required (readiness details are for holders of the key).
    var apiKey: String? = nil

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
        /// The embeddings servers of `--encoder openai:…`.
        var encoderBackends: [Backend]?
    }

    func healthz(_ request: Request) async throws -> Response {
        try Reply.json(Health())
    }

    /// Readiness needs no key (load balancers probe it), so without the key it names no directory and no backend
    /// address: the index by file name, backends by number. With the key, or with none configured, all of it.
    func readyz(_ request: Request) async throws -> Response {
        let full = Self.authorized(request, key: apiKey)
        let s: Services
        do {
            s = try state.ready()
        } catch var e as APIError where !full {
            e.message = APIError.withoutDirectories(e.message)
            throw e
        }
        let chunks = try await s.withSlot { slot in try await Services.offload { try slot.store.chunkCount() } }
        let index = full ? s.configuration.indexPath : (s.configuration.indexPath as NSString).lastPathComponent
        return try Reply.json(Readiness(
            index: index, chunks: chunks, vectors: s.hasVectors, generator: s.generator.name,
            queueDepth: s.gate.depth,
            backends: s.generator.pool?.status.enumerated().map { i, b in
                Readiness.Backend(url: full ? b.url : "backend \(i + 1)", healthy: b.healthy, inFlight: b.inFlight)
            },
            encoderBackends: s.remoteEncoder?.pool.status.enumerated().map { i, b in
                Readiness.Backend(url: full ? b.url : "encoder backend \(i + 1)", healthy: b.healthy, inFlight: b.inFlight)
            }))
    }

    static func authorized(_ request: Request, key: String?) -> Bool {
        guard let key else { return true }
        guard let h = request.headers[.authorization] else { return false }
        let parts = h.split(separator: " ", maxSplits: 1)
        return parts.count == 2 && parts[0].lowercased() == "bearer" && AuthMiddleware<BasicRequestContext>.equal(Array(parts[1].utf8), Array(key.utf8))
    }

    func metrics(_ request: Request) async throws -> Response {
        if let local = (try? state.ready())?.generator.local { Self.recordSlots(local.slotStatistics) }
        let bytes = registry.emitToBuffer()
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// The local generator's slots, read when /metrics is scraped: occupancy now, and cumulative batch rows,
    /// steps, tokens and seconds (rates and mean batch size come from the counters' deltas).
    static func recordSlots(_ st: SlotStatistics) {
        Gauge(label: "rag_generator_slots").record(st.slots)
        Gauge(label: "rag_generator_slots_busy").record(st.busySlots)
        Gauge(label: "rag_generator_slots_allocated").record(st.allocatedSlots)
        Gauge(label: "rag_generator_slot_queue_depth").record(st.queued)
        Gauge(label: "rag_generator_kv_bytes_per_slot").record(st.kvBytesPerSlot)
        Gauge(label: "rag_generator_decode_steps").record(st.decodeSteps)
        Gauge(label: "rag_generator_decode_batch_rows").record(st.decodeRows)
        Gauge(label: "rag_generator_decode_batch_mean").record(st.decodeSteps > 0 ? Double(st.decodeRows) / Double(st.decodeSteps) : 0)
        Gauge(label: "rag_generator_decode_batch_max").record(st.largestBatch)
        Gauge(label: "rag_generator_decode_seconds").record(st.decodeSeconds)
        Gauge(label: "rag_generator_decode_tokens_per_second").record(st.decodeSeconds > 0 ? Double(st.decodeRows) / st.decodeSeconds : 0)
        Gauge(label: "rag_generator_prefill_tokens").record(st.prefillTokens)
        Gauge(label: "rag_generator_prefill_seconds").record(st.prefillSeconds)
        Gauge(label: "rag_generator_prefill_tokens_per_second").record(st.prefillSeconds > 0 ? Double(st.prefillTokens) / st.prefillSeconds : 0)
        Gauge(label: "rag_generator_shared_prefix_tokens").record(st.sharedPrefixTokens)
    }
}
