/// GET /v1/stats (what the index holds) and POST /v1/chunks (chunks by id: the text behind an answer's sources).
import Foundation
import Hummingbird
import Store

struct IndexController: RouteController {
    let state: ServiceState
    let configuration: ServerConfiguration

    static let endpoints: [Endpoint<Self>] = [
        Endpoint(.get, "/v1/stats") { c, r in try await c.stats(r) },
        Endpoint(.post, "/v1/chunks") { c, r in try await c.chunks(r) },
    ]

    struct Stats: Encodable {
        var documents: Int
        var files: Int
        var chunks: Int
        var embeddings: Int
        var tokens: Int
        var formats: [String: Int]
        /// Seconds since 1970 of the last ingested file (absent for an empty index).
        var lastIngest: Double?
        var generation: Int
    }

    struct Chunk: Encodable {
        var chunkId: Int64
        var path: String
        var headingPath: String
        var text: String
    }

    struct Chunks: Encodable { var chunks: [Chunk] }

    /// The most chunks one request may fetch.
    static let maxIDs = 100

    func stats(_ request: Request) async throws -> Response {
        let s = try state.ready()
        let stats = try await s.withSlot { slot in
            try await Services.offload { () -> Stats in
                let st = try slot.store.stats()
                return Stats(documents: st.documents, files: st.files, chunks: st.chunks, embeddings: st.embeddings,
                             tokens: st.tokens, formats: st.formats, lastIngest: try slot.store.lastIngestedAt(),
                             generation: st.generation)
            }
        }
        return try Reply.json(stats)
    }

    func chunks(_ request: Request) async throws -> Response {
        let body = try await JSONBody.read(request, limit: configuration.maxBodyBytes, allowed: ["ids"])
        let s = try state.ready()
        let items = try body.required("ids") { try body.array($0) }
        guard items.count <= Self.maxIDs else { throw APIError.invalid("ids", "at most \(Self.maxIDs) items, got \(items.count)") }
        let ids: [Int64] = try items.enumerated().map { i, item in
            guard case .int(let n) = item else { throw APIError.invalid("ids[\(i)]", "expected an integer, got \(item.kind)") }
            return Int64(n)
        }
        let hits = try await s.withSlot { slot in try await Services.offload { try slot.store.chunkHits(ids) } }
        // In the order asked; ids the index does not hold (any more) are left out.
        var seen = Set<Int64>()
        let chunks = ids.compactMap { id -> Chunk? in
            guard seen.insert(id).inserted, let h = hits[id] else { return nil }
            return Chunk(chunkId: id, path: h.path, headingPath: h.headingPath, text: h.text)
        }
        return try Reply.json(Chunks(chunks: chunks))
    }
}
