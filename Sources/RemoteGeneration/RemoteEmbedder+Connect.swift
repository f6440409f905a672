/// Settling what a remote encoder is before its vectors are used: every server is probed with one text, must name
/// the model asked for, and must agree with the others and (when it is here) with the local encoder.
import Foundation
import RAGCore

extension RemoteEmbedder {
    /// The text every server embeds at start-up.
    public static let probeText = "Retrieval-augmented generation answers a question from passages of indexed documents."
    /// Vectors this close to the local encoder's count as the same model (float32 kernels and batching differ in
    /// the last bits between engines; a different model lands far below).
    public static let minimumProbeCosine = 0.999

    /// Connects to `urls` and probes each server.
    ///
    /// - A server that does not answer is marked unhealthy (the health checker and the retries take it back
    ///   later); at least one must answer.
    /// - A server whose reply names another model than `model` is refused, as is one whose probe vector differs
    ///   from the first server's (cosine below `minimumProbeCosine`): one pool serves one model.
    /// - With `local` given (the local encoder) the probe is compared with its vector too: at cosine ≥
    ///   `minimumProbeCosine` the servers compute the local model's vectors and the embedder takes the local
    ///   `modelID`, so an index ingested remotely is searched locally and the embedding cache is shared. Otherwise
    ///   its id is "openai:<model>", which another model's index refuses (unless re-embedded).
    public static func connect(urls: [String], model: String, apiKey: String? = nil, local: (any Embedder)?,
                               client: HTTPClient = HTTPClient(), options: Options = Options()) async throws -> RemoteEmbedder {
        guard !urls.isEmpty else { throw RAGError(.invalidEncoder, "--encoder: openai: needs at least one URL") }
        let members = try urls.map { try OpenAIEmbeddingBackend(url: $0, model: model, client: client, apiKey: apiKey) }
        let pool = LeastBusyPool(members: members, metricsPrefix: "rag_encoder_backend")
        // One server after the other (each request has its timeout). A task group here, under BlockingBridge's task
        // executor, crashed `rag serve` start-up now and then under load (a probe index out of range) in the full
        // test suite; start-up probes need no parallelism.
        var probes: [(Int, Result<OpenAIEmbeddingBackend.Reply, any Error>)] = []
        for (i, m) in members.enumerated() {
            do { probes.append((i, .success(try await m.embed([probeText])))) } catch { probes.append((i, .failure(error))) }
        }
        var reference: [Float]?
        var failures: [String] = []
        for (i, result) in probes {
            let url = members[i].endpoint.description
            switch result {
            case .failure(let e as RAGError) where e.code == .backendRejected:
                throw RAGError(.invalidEncoder, "--encoder: \(url) refused the probe request (is --encoder-model \(model) served there?): \(e.message)", underlying: e)
            case .failure(let e):
                pool.setHealthy(i, false)
                failures.append("\(e)")
            case .success(let reply):
                if let served = reply.model, !sameModel(served, model) {
                    throw RAGError(.encoderMismatch, "--encoder: \(url) serves model \(served), not --encoder-model \(model)")
                }
                guard let v = reply.vectors.first, !v.isEmpty else {
                    throw RAGError(.backendError, "\(url)/v1/embeddings returned an empty vector for the probe text")
                }
                if let r = reference {
                    let c = cosine(r, v)
                    guard r.count == v.count, c >= minimumProbeCosine else {
                        throw RAGError(.encoderMismatch, "--encoder: \(url) computes other vectors than \(members[0].endpoint) (\(v.count) vs \(r.count) numbers, cosine \(String(format: "%.4f", c)) on the probe text): one pool serves one model")
                    }
                } else {
                    reference = v
                }
            }
        }
        guard let reference else {
            throw RAGError(.noBackend, "no encoder backend answered (\(urls.joined(separator: ", "))): \(failures.joined(separator: "; "))")
        }
        var modelID = unverifiedModelID(model)
        var probeCosine: Double?
        if let local, local.dimension == reference.count, let mine = try local.embed([probeText]).first {
            let c = cosine(mine, reference)
            probeCosine = c
            if c >= minimumProbeCosine { modelID = local.modelID }
        }
        return RemoteEmbedder(pool: pool, modelID: modelID, dimension: reference.count, options: options, probeCosine: probeCosine)
    }

    /// The id of servers' vectors not shown to be the local encoder's: the model name they were asked for.
    public static func unverifiedModelID(_ model: String) -> String { "openai:\(model)" }

    /// The same servers under another id (an index that recorded `unverifiedModelID` for them).
    public func with(modelID: String) -> RemoteEmbedder {
        RemoteEmbedder(pool: pool, modelID: modelID, dimension: dimension, options: options, probeCosine: probeCosine)
    }

    /// The blocking form of `connect`, for synchronous start-up code.
    public static func connectBlocking(urls: [String], model: String, apiKey: String? = nil, local: (any Embedder)?,
                                       client: HTTPClient = HTTPClient(), options: Options = Options()) throws -> RemoteEmbedder {
        try BlockingBridge.wait { try await connect(urls: urls, model: model, apiKey: apiKey, local: local, client: client, options: options) }
    }

    /// Whether a server's model name is the one asked for: case aside, an organisation prefix
    /// ("sentence-transformers/…") and Ollama's ":latest" tag aside.
    static func sameModel(_ a: String, _ b: String) -> Bool {
        func key(_ s: String) -> String {
            var t = s.lowercased()
            if let slash = t.lastIndex(of: "/") { t = String(t[t.index(after: slash)...]) }
            if t.hasSuffix(":latest") { t.removeLast(":latest".count) }
            return t
        }
        return key(a) == key(b)
    }

    static func cosine(_ a: [Float], _ b: [Float]) -> Double {
        guard a.count == b.count, !a.isEmpty else { return 0 }
        var dot = 0.0, na = 0.0, nb = 0.0
        for i in a.indices {
            dot += Double(a[i]) * Double(b[i])
            na += Double(a[i]) * Double(a[i])
            nb += Double(b[i]) * Double(b[i])
        }
        return na > 0 && nb > 0 ? dot / (na.squareRoot() * nb.squareRoot()) : 0
    }
}
