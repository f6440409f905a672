/// One OpenAI-compatible embeddings server (text-embeddings-inference, vLLM, Ollama, llama-server --embeddings,
/// another `rag serve`): POST /v1/embeddings with a list of texts, GET /v1/models as the health check.
import Foundation
import RAGCore

public struct OpenAIEmbeddingBackend: PoolMember {
    public let endpoint: HTTPEndpoint
    /// The `model` field sent with every request.
    public let model: String
    public let client: HTTPClient
    let apiKey: String?

    public init(url: String, model: String, client: HTTPClient = HTTPClient(), apiKey: String? = nil) throws {
        endpoint = try HTTPEndpoint(url)
        self.model = model
        self.client = client
        self.apiKey = apiKey
    }

    var headers: [(String, String)] { OpenAIBackend.requestHeaders(accept: "application/json", apiKey: apiKey) }

    /// What one request returned: a vector per text, in order, and the model the server says it ran.
    public struct Reply: Sendable {
        public var vectors: [[Float]]
        public var model: String?
    }

    /// Embeds `texts` in one request. Errors: `connection_failed` (nothing was sent), `busy` (429/503: the server
    /// is loaded, not broken), `backend_rejected` (another 4xx: the request's fault), `backend_error` (5xx, a
    /// broken or incomplete reply), `backend_timeout`.
    public func embed(_ texts: [String]) async throws -> Reply {
        let body = Array(try JSONSerialization.data(withJSONObject: ["model": model, "input": texts, "encoding_format": "float"]))
        let r = try await client.fetch("POST", endpoint, path: "/v1/embeddings", headers: headers, body: body)
        let place = "\(endpoint)/v1/embeddings"
        guard r.status == 200 else {
            let detail = r.text.prefix(300)
            switch r.status {
            case 429, 503: throw RAGError(.busy, "\(place) answered \(r.status) (busy): \(detail)")
            case 400..<500: throw RAGError(.backendRejected, "\(place) answered \(r.status): \(detail)")
            default: throw RAGError(.backendError, "\(place) answered \(r.status): \(detail)")
            }
        }
        guard let o = try? JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any],
              let data = o["data"] as? [[String: Any]] else {
            throw RAGError(.backendError, "\(place): the reply is not an embeddings list: \(r.text.prefix(200))")
        }
        guard data.count == texts.count else {
            throw RAGError(.backendError, "\(place) returned \(data.count) embeddings for \(texts.count) inputs")
        }
        var vectors = [[Float]?](repeating: nil, count: texts.count)
        for (position, item) in data.enumerated() {
            // `index` says which input a vector belongs to; servers that omit it answer in order.
            let i = (item["index"] as? Int) ?? position
            guard vectors.indices.contains(i), vectors[i] == nil else {
                throw RAGError(.backendError, "\(place): embedding index \(i) is out of range or repeated")
            }
            guard let numbers = item["embedding"] as? [Any] else {
                throw RAGError(.backendError, "\(place): embedding \(i) is not a list of numbers (base64 replies are not asked for)")
            }
            var v = [Float]()
            v.reserveCapacity(numbers.count)
            for n in numbers {
                guard let d = (n as? NSNumber)?.doubleValue, d.isFinite else {
                    throw RAGError(.backendError, "\(place): embedding \(i) holds a value that is not a finite number")
                }
                v.append(Float(d))
            }
            vectors[i] = Self.normalised(v)
        }
        return Reply(vectors: vectors.map { $0! }, model: o["model"] as? String)
    }

    /// L2-normalised, as the `Embedder` protocol promises (servers differ: Ollama and some vLLM models do not).
    static func normalised(_ v: [Float]) -> [Float] {
        let norm = v.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
        guard norm > 0 else { return v }
        return v.map { Float(Double($0) / norm) }
    }

    /// GET /v1/models: the health check (every OpenAI-compatible server has it).
    public func checkHealth(timeout: Duration = .seconds(2)) async -> Bool {
        var c = client
        c.readTimeout = timeout
        c.connectTimeout = timeout
        guard let r = try? await c.fetch("GET", endpoint, path: "/v1/models", headers: headers, limit: 1 << 20) else { return false }
        return r.status == 200
    }
}
