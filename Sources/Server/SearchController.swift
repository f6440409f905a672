/// POST /v1/search and POST /v1/embeddings.
import Encoder
import Foundation
import Hummingbird
import Metrics
import RAGCore
import Retrieval
import Store

struct SearchController: RouteController {
    let state: ServiceState
    let configuration: ServerConfiguration

    static let endpoints: [Endpoint<Self>] = [
        Endpoint(.post, "/v1/search") { c, r in try await c.search(r) },
        Endpoint(.post, "/v1/embeddings") { c, r in try await c.embeddings(r) },
    ]

    struct SearchResult: Encodable {
        var rank: Int
        var score: Double
        var path: String
        var headingPath: String
        var text: String
        var chunkId: Int64
    }

    struct SearchReply: Encodable {
        var results: [SearchResult]
        /// Present when `nprobe` was given but the planner searched a flat or int8 index (or no vectors at all).
        var nprobeNotUsed: String?
    }

    /// Texts per encoder call of /v1/embeddings.
    static let embeddingSlice = 32

    /// The most results one request may ask for.
    static let maxK = 100

    static let searchFields: Set<String> = ["query", "k", "mode", "filter", "nprobe"]

    func search(_ request: Request) async throws -> Response {
        let body = try await JSONBody.read(request, limit: configuration.maxBodyBytes, allowed: Self.searchFields)
        return try Reply.json(try await search(body, services: try state.ready()))
    }

    /// A search from its parsed body (the HTTP route's and MCP's `search` tool's).
    func search(_ body: JSONBody, services s: Services) async throws -> SearchReply {
        let query = try body.required("query") { try body.string($0, maxLength: 10_000, nonEmpty: true) }
        let requested = try body.mode(default: configuration.defaultMode)
        if !s.hasVectors && requested == .dense {
            throw APIError(.noVectors, "mode: the index has no vectors (ingested with --no-embed): use keyword")
        }
        let terms = try body.strings("filter") ?? []
        let parameters = try SearchParameters(mode: s.hasVectors ? requested : .keyword, k: try body.integer("k") ?? 10,
                                              filter: try ChunkFilter(parsing: terms), nprobe: try body.integer("nprobe"),
                                              maxK: Self.maxK)
        let mode = parameters.mode
        let cacheKey = SearchCache.key(query: query, mode: mode.rawValue, k: parameters.k, nprobe: parameters.nprobe, filter: terms)
        let (hits, nprobeNotUsed) = try await withTimeout(configuration.requestTimeout) {
            try await s.withSlot { slot in
                let (generation, nprobeNotUsed) = try await Services.offload {
                    (try slot.store.generation(), try slot.retriever.nprobeNotUsed(parameters))
                }
                if let cached = s.searchCache.get(cacheKey, generation: generation) { return (cached, nprobeNotUsed) }
                try await s.prepareQuery(query, mode: mode)
                return try await Services.offload {
                    let t = ContinuousClock.now
                    let hits = try slot.retriever.search(query, parameters)
                    Timer(label: "rag_stage_duration_seconds", dimensions: [("stage", "search")]).recordInterval(since: t)
                    s.searchCache.put(cacheKey, generation: generation, hits: hits)
                    return (hits, nprobeNotUsed)
                }
            }
        }
        return SearchReply(results: hits.map {
            SearchResult(rank: $0.rank, score: $0.score, path: $0.path, headingPath: $0.headingPath, text: $0.text, chunkId: $0.chunkID)
        }, nprobeNotUsed: nprobeNotUsed)
    }

    /// OpenAI's embeddings API over the local encoder (`input`: a string or an array of strings).
    func embeddings(_ request: Request) async throws -> Response {
        let body = try await JSONBody.read(request, limit: configuration.maxBodyBytes, allowed: nil)
        let s = try state.ready()
        guard let encoder = s.encoder else {
            throw APIError(.encoderMissing, "the encoder is not loaded: run scripts/fetch-models")
        }
        if let model = try body.string("model"), !["all-minilm-l6-v2", "all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"].contains(model) {
            throw APIError(.modelNotFound, "model: \(model) is not served here (embeddings come from all-minilm-l6-v2)")
        }
        if case .array(let items)? = body.present("input"), let i = items.firstIndex(where: { if case .string = $0 { false } else { true } }) {
            throw APIError.invalid("input[\(i)]", "expected a string (token arrays are not accepted), got \(items[i].kind)")
        }
        let inputs = try body.required("input") { try body.strings($0, maxCount: 2048, maxLength: 100_000) }
        guard !inputs.isEmpty else { throw APIError.invalid("input", "must not be empty") }
        let format = try body.string("encoding_format") ?? "float"
        guard format == "float" || format == "base64" else {
            throw APIError.invalid("encoding_format", "expected float or base64, got \"\(format)\"")
        }
        let ticket = try s.embeddingsGate.admit()
        defer { ticket.release() }
        let (vectors, tokens) = try await withTimeout(configuration.requestTimeout) {
            try await ticket.start()
            // In slices through the micro-batcher: a search's query joins the next slice instead of waiting for
            // the whole request; cancellation (the deadline, a client gone) stops between slices.
            let t = ContinuousClock.now
            var vectors: [[Float]] = []
            vectors.reserveCapacity(inputs.count)
            for start in stride(from: 0, to: inputs.count, by: Self.embeddingSlice) {
                try Task.checkCancellation()
                vectors += try await encoder.embedAsync(Array(inputs[start..<min(inputs.count, start + Self.embeddingSlice)]))
            }
            Timer(label: "rag_stage_duration_seconds", dimensions: [("stage", "embed")]).recordInterval(since: t)
            let tokens = (encoder.base as? MiniLMEncoder).map { e in inputs.reduce(0) { $0 + e.tokenize($1).count } } ?? 0
            return (vectors, tokens)
        }
        let data = vectors.enumerated().map { i, v in
            EmbeddingList.Embedding(index: i, embedding: format == "float"
                ? .float(v.map { Double($0) })
                : .base64(v.withUnsafeBytes { Data($0) }.base64EncodedString()))
        }
        return try Reply.json(EmbeddingList(data: data, model: s.encoderName, usage: .init(promptTokens: tokens, totalTokens: tokens)))
    }
}
