/// The OpenAI-compatible routes: POST /v1/chat/completions (retrieval-augmented for model "rag", plain generation
/// otherwise), POST /v1/completions (raw text, used by other `rag` processes' backend pools) and GET /v1/models.
import Answering
import Foundation
import Hummingbird
import Metrics
import NIOCore
import RAGCore
import Retrieval

struct OpenAIRoutes {
    let state: ServiceState
    let configuration: ServerConfiguration
    static let ragModel = "rag"

    func models(_ request: Request) async throws -> Response {
        let s = try state.ready()
        let created = Int(state.started.timeIntervalSince1970)
        let ids = [Self.ragModel, s.generator.name] + (s.encoder == nil ? [] : [s.encoderName])
        return try Reply.json(object: ["object": "list", "data": ids.map { ["id": $0, "object": "model", "created": created, "owned_by": "rag"] }])
    }

    /// Messages as OpenAI sends them: `content` a string or an array of `{"type":"text","text":…}` parts.
    func messages(_ body: JSONBody) throws -> [ChatMessage] {
        let items = try body.required("messages") { try body.array($0) }
        guard !items.isEmpty else { throw APIError.invalid("messages", "must not be empty") }
        guard items.count <= 256 else { throw APIError.invalid("messages", "at most 256 messages, got \(items.count)") }
        return try items.enumerated().map { i, item in
            guard case .object(let o) = item else { throw APIError.invalid("messages[\(i)]", "expected an object, got \(item.kind)") }
            let m = JSONBody(fields: o)
            let role = try m.required("role") { try m.string($0) }
            guard ["system", "user", "assistant", "developer"].contains(role) else {
                throw APIError.invalid("messages[\(i)].role", "expected system, user or assistant, got \"\(role)\"")
            }
            let content: String
            switch m.present("content") {
            case .string(let s)?: content = s
            case .array(let parts)?:
                content = try parts.enumerated().map { j, part -> String in
                    guard case .object(let p) = part, case .string(let t)? = p["text"] else {
                        throw APIError.invalid("messages[\(i)].content[\(j)]", "expected a text part {\"type\":\"text\",\"text\":…}")
                    }
                    return t
                }.joined(separator: "\n")
            case nil: throw APIError(.missingField, "messages[\(i)].content: required")
            case let v?: throw APIError.invalid("messages[\(i)].content", "expected a string, got \(v.kind)")
            }
            return ChatMessage(role: role == "developer" ? "system" : role, content: content)
        }
    }

    func chatCompletions(_ request: Request) async throws -> Response {
        let body = try await JSONBody.read(request, limit: configuration.maxBodyBytes, allowed: nil)
        let s = try state.ready()
        let model = try body.string("model") ?? Self.ragModel
        let messages = try messages(body)
        let stream = try body.bool("stream") ?? false
        let includeUsage = try body.object("stream_options")?.bool("include_usage") ?? false
        if let n = try body.int("n", in: 1...Int.max), n != 1 { throw APIError.invalid("n", "only 1 choice is generated, got \(n)") }
        let id = "chatcmpl-" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let created = Int(Date().timeIntervalSince1970)

        if model == Self.ragModel {
            guard let question = messages.last(where: { $0.role == "user" })?.content,
                  !question.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw APIError.invalid("messages", "model rag answers the last user message: there is none, or it is empty")
            }
            var options = AskOptions()
            options.search = try SearchParameters(mode: s.hasVectors ? configuration.defaultMode : .keyword,
                                                  k: try body.integer("k") ?? configuration.defaultK, maxK: AskOptions.maxK)
            options.parameters = try body.generationParameters(base: options.parameters, contextLength: s.generator.backend.contextLength)
            options.cacheContext = s.cacheContext(mode: configuration.defaultMode, filter: [])
            let ask = AskRoutes.Ask(question: question, options: options, stream: stream)
            let run = try AskRoutes.prepare(ask, services: s)
            if !stream {
                let a = try await Reply.withTimeout(configuration.requestTimeout) { try await run.answer { _ in } }
                return try Reply.json(object: completionObject(id: id, created: created, model: model, chat: true, text: a.answer,
                                                               finish: a.finishReason, prompt: a.usage.promptTokens,
                                                               completion: a.usage.completionTokens, extra: Self.ragExtra(a)))
            }
            return streamResponse(id: id, created: created, model: model, chat: true, includeUsage: includeUsage) { onText in
                let a = try await run.answer(onText: onText)
                return (a.finishReason, a.usage.promptTokens, a.usage.completionTokens, a)
            }
        }
        let parameters = try body.generationParameters(base: .default, contextLength: s.generator.backend.contextLength)
        return try await generate(GenerationRequest(prompt: .chat(messages), parameters: parameters), services: s,
                                  id: id, created: created, model: model, chat: true, stream: stream, includeUsage: includeUsage)
    }

    func completions(_ request: Request) async throws -> Response {
        let body = try await JSONBody.read(request, limit: configuration.maxBodyBytes, allowed: nil)
        let s = try state.ready()
        let model = try body.string("model") ?? s.generator.name
        let prompt = try body.required("prompt") { try body.string($0, nonEmpty: true) }
        let stream = try body.bool("stream") ?? false
        let includeUsage = try body.object("stream_options")?.bool("include_usage") ?? false
        let parameters = try body.generationParameters(base: .default, contextLength: s.generator.backend.contextLength)
        let id = "cmpl-" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        return try await generate(GenerationRequest(prompt: .text(prompt), parameters: parameters), services: s,
                                  id: id, created: Int(Date().timeIntervalSince1970), model: model, chat: false,
                                  stream: stream, includeUsage: includeUsage)
    }

    /// Plain generation through the bounded queue.
    func generate(_ request: GenerationRequest, services s: Services, id: String, created: Int, model: String, chat: Bool,
                  stream: Bool, includeUsage: Bool) async throws -> Response {
        let ticket = try s.gate.admit()
        let backend = s.generator.backend
        let run: @Sendable (@escaping @Sendable (String) -> Void) async throws -> GenerationSummary = { onText in
            defer { ticket.release() }
            try await ticket.start()
            var summary: GenerationSummary?
            for try await event in backend.generate(request) {
                switch event {
                case .text(let t): onText(t)
                case .finished(let x): summary = x
                }
            }
            guard let summary else { throw APIError(.generationIncomplete, "the generator stopped without finishing") }
            StageMetrics.stage("prefill", summary.timings.promptSeconds)
            StageMetrics.stage("decode", summary.timings.generationSeconds)
            StageMetrics.stage("generate", summary.timings.promptSeconds + summary.timings.generationSeconds)
            Timer(label: "rag_time_to_first_token_seconds").recordSeconds(summary.timings.timeToFirstTokenSeconds)
            StageMetrics.tokens(prompt: summary.promptTokens, completion: summary.completionTokens, cached: summary.cachedPromptTokens)
            return summary
        }
        if !stream {
            let summary = try await Reply.withTimeout(configuration.requestTimeout) { try await run { _ in } }
            return try Reply.json(object: completionObject(id: id, created: created, model: model, chat: chat, text: summary.text,
                                                           finish: summary.finishReason.rawValue, prompt: summary.promptTokens,
                                                           completion: summary.completionTokens, extra: [:]))
        }
        return streamResponse(id: id, created: created, model: model, chat: chat, includeUsage: includeUsage) { onText in
            let summary = try await run(onText)
            return (summary.finishReason.rawValue, summary.promptTokens, summary.completionTokens, nil)
        }
    }

    func completionObject(id: String, created: Int, model: String, chat: Bool, text: String, finish: String,
                          prompt: Int, completion: Int, extra: [String: Any]) -> [String: Any] {
        let choice: [String: Any] = chat
            ? ["index": 0, "message": ["role": "assistant", "content": text], "finish_reason": openAIFinish(finish)]
            : ["index": 0, "text": text, "finish_reason": openAIFinish(finish)]
        var o: [String: Any] = ["id": id, "object": chat ? "chat.completion" : "text_completion", "created": created, "model": model,
                                "choices": [choice],
                                "usage": ["prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion]]
        o.merge(extra) { a, _ in a }
        return o
    }

    /// What a retrieval-augmented completion adds to OpenAI's object: the answer id (for feedback) and its sources.
    static func ragExtra(_ a: Answer) -> [String: Any] {
        ["rag": ["answer_id": a.id, "citations": a.citations.map { ["n": $0.n, "chunk_id": $0.chunkId] },
                 "sources": a.sources.map { ["n": $0.n, "path": $0.path, "heading_path": $0.headingPath, "score": $0.score, "cited": $0.cited] },
                 "truncated_context": a.truncatedContext, "grounded": a.grounded] as [String: Any]]
    }

    func openAIFinish(_ reason: String) -> String { reason == "length" ? "length" : "stop" }

    typealias StreamRun = @Sendable (@escaping @Sendable (String) -> Void) async throws -> (finish: String, prompt: Int, completion: Int, answer: Answer?)

    /// OpenAI's streaming shape: a chunk per text delta, a last chunk with the finish reason, optionally a usage
    /// chunk, then `data: [DONE]`. An error after the stream began is sent as `{"error":{…}}` before [DONE].
    func streamResponse(id: String, created: Int, model: String, chat: Bool, includeUsage: Bool, run: @escaping StreamRun) -> Response {
        let object = chat ? "chat.completion.chunk" : "text_completion"
        let timeout = configuration.requestTimeout
        @Sendable func chunk(_ choice: [String: Any]?, extra: [String: Any] = [:]) -> ByteBuffer {
            var o: [String: Any] = ["id": id, "object": object, "created": created, "model": model,
                                    "choices": choice.map { [$0] } ?? []]
            o.merge(extra) { a, _ in a }
            return Reply.event(object: o)
        }
        return Response(status: .ok, headers: Reply.sseHeaders, body: ResponseBody { writer in
            let (events, continuation) = AsyncStream<ByteBuffer>.makeStream()
            let producer = Task {
                if chat { continuation.yield(chunk(["index": 0, "delta": ["role": "assistant", "content": ""], "finish_reason": NSNull()])) }
                do {
                    let result = try await Reply.withTimeout(timeout) {
                        try await run { text in
                            continuation.yield(chunk(chat ? ["index": 0, "delta": ["content": text], "finish_reason": NSNull()]
                                                          : ["index": 0, "text": text, "finish_reason": NSNull()]))
                        }
                    }
                    let finish = openAIFinish(result.finish)
                    continuation.yield(chunk(chat ? ["index": 0, "delta": [String: Any](), "finish_reason": finish]
                                                  : ["index": 0, "text": "", "finish_reason": finish],
                                             extra: result.answer.map(Self.ragExtra) ?? [:]))
                    if includeUsage {
                        continuation.yield(chunk(nil, extra: ["usage": ["prompt_tokens": result.prompt, "completion_tokens": result.completion,
                                                                        "total_tokens": result.prompt + result.completion]]))
                    }
                } catch {
                    let e = APIError.from(error)
                    continuation.yield(Reply.event(object: ["error": ["code": e.code.rawValue, "message": e.message]]))
                }
                continuation.yield(Reply.event("[DONE]"))
                continuation.finish()
            }
            defer { producer.cancel() }
            for await event in events { try await writer.write(event) }
            try await writer.finish(nil)
        })
    }
}
