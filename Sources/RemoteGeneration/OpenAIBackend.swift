/// A `GenerationBackend` that streams from an OpenAI-compatible server (llama.cpp server, vLLM, Ollama, another
/// `rag serve`): chat prompts go to /v1/chat/completions, raw-text prompts to /v1/completions.
import Foundation
import NIOCore
import RAGCore

public final class OpenAIBackend: GenerationBackend, PoolMember, Sendable {
    public let endpoint: HTTPEndpoint
    /// The `model` field sent with every request.
    public let model: String
    public let contextLength: Int
    public let client: HTTPClient
    let apiKey: String?
    /// Further attempts after a connection failure (nothing was sent, so a retry is safe).
    public let connectRetries: Int

    public init(url: String, model: String, contextLength: Int, client: HTTPClient = HTTPClient(),
                apiKey: String? = nil, connectRetries: Int = 2) throws {
        endpoint = try HTTPEndpoint(url)
        self.model = model
        self.contextLength = contextLength
        self.client = client
        self.apiKey = apiKey
        self.connectRetries = connectRetries
    }

    var headers: [(String, String)] { Self.requestHeaders(accept: "text/event-stream", apiKey: apiKey) }

    /// A JSON request's headers for an OpenAI-compatible server, with the bearer key when there is one.
    static func requestHeaders(accept: String, apiKey: String?) -> [(String, String)] {
        var h = [("Content-Type", "application/json"), ("Accept", accept)]
        if let apiKey { h.append(("Authorization", "Bearer \(apiKey)")) }
        return h
    }

    /// The JSON body of a streaming request. Sampling fields beyond OpenAI's (top_k, min_p, repeat_penalty) are the
    /// names llama.cpp and vLLM read; OpenAI itself ignores them.
    func body(_ request: GenerationRequest) throws -> [UInt8] {
        let p = request.parameters
        var o: [String: Any] = [
            "model": model, "stream": true, "stream_options": ["include_usage": true],
            "temperature": p.temperature, "top_p": p.topP, "top_k": p.topK, "min_p": p.minP,
            "repeat_penalty": p.repeatPenalty, "max_tokens": p.maxTokens,
        ]
        if !p.stop.isEmpty { o["stop"] = p.stop }
        if let seed = p.seed { o["seed"] = seed }
        switch request.prompt {
        case .chat(let messages): o["messages"] = messages.map { ["role": $0.role, "content": $0.content] }
        case .text(let text): o["prompt"] = text
        }
        return Array(try JSONSerialization.data(withJSONObject: o))
    }

    var path: (GenerationPrompt) -> String {
        { if case .chat = $0 { "/v1/chat/completions" } else { "/v1/completions" } }
    }

    /// Constrained decoding masks the logits at every step, which an OpenAI-compatible server does not offer.
    static let constraintUnsupported = RAGError.invalidParameter(
        "constraint", "constrained decoding needs the local generator (a remote backend cannot enforce it)")

    public func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream<GenerationEvent, any Error>.makeStream()
        let task = Task {
            do {
                let summary = try await self.run(request) { continuation.yield(.text($0)) }
                continuation.yield(.finished(summary))
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    /// Runs one request, retrying only when the connection could not be made.
    public func run(_ request: GenerationRequest, onText: @escaping @Sendable (String) -> Void) async throws -> GenerationSummary {
        if request.constraint != nil { throw Self.constraintUnsupported }
        let body = try body(request)
        var attempt = 0
        while true {
            do {
                return try await once(request, body: body, onText: onText)
            } catch let e as RAGError where e.isConnectionFailure && attempt < connectRetries {
                attempt += 1
                try await Task.sleep(for: .milliseconds(100 * attempt))
            }
        }
    }

    func once(_ request: GenerationRequest, body: [UInt8], onText: @escaping @Sendable (String) -> Void) async throws -> GenerationSummary {
        let start = ContinuousClock.now
        let state = StreamState(chat: { if case .chat = request.prompt { true } else { false } }())
        let endpoint = endpoint
        let path = path(request.prompt)
        try await client.stream("POST", endpoint, path: path, headers: headers, body: body,
                                onHead: { status, _ in state.setStatus(status) },
                                onBody: { buffer in
                                    for text in try state.feed(buffer, endpoint: endpoint, path: path) {
                                        state.markFirst(ContinuousClock.now)
                                        onText(text)
                                    }
                                })
        try state.finish(endpoint: endpoint, path: path)
        let end = ContinuousClock.now
        let first = state.firstText ?? end
        let timings = GenerationTimings(promptEvaluatedTokens: state.promptTokens, promptSeconds: (first - start).seconds,
                                        generationSeconds: (end - first).seconds, timeToFirstTokenSeconds: (first - start).seconds)
        return GenerationSummary(promptTokens: state.promptTokens, completionTokens: state.completionTokens > 0 ? state.completionTokens : state.deltas,
                                 cachedPromptTokens: state.cachedTokens, text: state.text,
                                 finishReason: state.finishReason, timings: timings)
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

/// What one streamed response has said so far (the client's callbacks run one after another).
final class StreamState: @unchecked Sendable {
    private let lock = NSLock()
    let chat: Bool
    var status = 0
    var errorBody: [UInt8] = []
    var parser = SSEParser()
    var text = ""
    var finishReason = FinishReason.stop
    var sawFinish = false
    var done = false
    var promptTokens = 0
    var completionTokens = 0
    /// Text events seen: the completion token count when the server reports no usage.
    var deltas = 0
    var cachedTokens = 0
    var firstText: ContinuousClock.Instant?

    init(chat: Bool) { self.chat = chat }

    func setStatus(_ s: Int) { lock.withLock { status = s } }
    func markFirst(_ t: ContinuousClock.Instant) { lock.withLock { if firstText == nil { firstText = t } } }

    func feed(_ buffer: ByteBuffer, endpoint: HTTPEndpoint, path: String) throws -> [String] {
        try lock.withLock {
            if status != 200 {
                if errorBody.count < 4096 { errorBody.append(contentsOf: buffer.readableBytesView.prefix(4096)) }
                return []
            }
            var out: [String] = []
            let events = parser.feed(buffer.readableBytesView)
            if parser.overflowed {
                throw RAGError(.responseTooLarge, "\(endpoint)\(path): a stream event is larger than \(parser.maxEventBytes) bytes")
            }
            for data in events {
                if data == "[DONE]" { done = true; continue }
                guard let o = try? JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any] else {
                    throw RAGError(.backendError, "\(endpoint)\(path): a stream event is not JSON: \(data.prefix(200))")
                }
                if let err = o["error"] {
                    throw RAGError(.backendError, "\(endpoint)\(path): \(err)")
                }
                if let usage = o["usage"] as? [String: Any] {
                    promptTokens = usage["prompt_tokens"] as? Int ?? promptTokens
                    completionTokens = usage["completion_tokens"] as? Int ?? completionTokens
                    if let d = usage["prompt_tokens_details"] as? [String: Any], let c = d["cached_tokens"] as? Int { cachedTokens = c }
                }
                guard let choices = o["choices"] as? [[String: Any]], let c = choices.first else { continue }
                let piece = chat ? (c["delta"] as? [String: Any])?["content"] as? String : c["text"] as? String
                if let piece, !piece.isEmpty {
                    text += piece
                    deltas += 1
                    out.append(piece)
                }
                if let r = c["finish_reason"] as? String {
                    sawFinish = true
                    finishReason = r == "length" ? .length : .stop
                }
            }
            return out
        }
    }

    func finish(endpoint: HTTPEndpoint, path: String) throws {
        try lock.withLock {
            guard status == 200 else {
                let body = String(decoding: errorBody, as: UTF8.self)
                // A 4xx is the request's fault (bad parameters): pass the server's message on.
                let code = (400..<500).contains(status) ? RAGError.Code.backendRejected : .backendError
                throw RAGError(code, "\(endpoint)\(path) answered \(status): \(body.prefix(500))")
            }
            guard done || sawFinish else {
                throw RAGError(.backendError, "\(endpoint)\(path): the stream ended without a finish reason")
            }
        }
    }
}
