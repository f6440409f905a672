/// The OpenAI-compatible routes: POST /v1/chat/completions (retrieval-augmented for model "rag", plain generation
/// otherwise), POST /v1/completions (raw text, used by other `rag` processes' backend pools) and GET /v1/models.
import Answering
import Foundation
import Hummingbird
import Metrics
import NIOCore
import RAGCore
import Retrieval

struct OpenAIController: RouteController {
    let state: ServiceState
    let configuration: ServerConfiguration
    static let ragModel = "rag"

    static let endpoints: [Endpoint<Self>] = [
        Endpoint(.post, "/v1/chat/completions") { c, r in try await c.chatCompletions(r) },
        Endpoint(.post, "/v1/completions") { c, r in try await c.completions(r) },
        Endpoint(.get, "/v1/models") { c, r in try await c.models(r) },
    ]

    func models(_ request: Request) async throws -> Response {
        let s = try state.ready()
        let created = Int(state.started.timeIntervalSince1970)
        let ids = [Self.ragModel, s.generator.name] + (s.encoder == nil ? [] : [s.encoderName])
        return try Reply.json(ModelList(data: ids.map { ModelList.Model(id: $0, created: created) }))
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
            if let style = try body.string("style", maxLength: 32) {
                guard let parsed = AnswerStyle(rawValue: style) else {
                    throw APIError.invalid("style", "expected short, free or extractive, got \"\(style.prefix(40))\"")
                }
                options.style = parsed
            }
            let ask = AskController.Ask(question: question, options: options, stream: stream)
            let run = try AskController.prepare(ask, services: s)
            if !stream {
                let a = try await withTimeout(configuration.requestTimeout) { try await run.answer { _ in } }
                return try Reply.json(makeCompletion(id: id, created: created, model: model, chat: true, text: a.answer,
                                                 finish: a.finishReason, prompt: a.usage.promptTokens,
                                                 completion: a.usage.completionTokens, rag: Completion.RAG(a)))
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
            let summary = try await withTimeout(configuration.requestTimeout) { try await run { _ in } }
            return try Reply.json(makeCompletion(id: id, created: created, model: model, chat: chat, text: summary.text,
                                             finish: summary.finishReason.rawValue, prompt: summary.promptTokens,
                                             completion: summary.completionTokens, rag: nil))
        }
        return streamResponse(id: id, created: created, model: model, chat: chat, includeUsage: includeUsage) { onText in
            let summary = try await run(onText)
            return (summary.finishReason.rawValue, summary.promptTokens, summary.completionTokens, nil)
        }
    }

    func makeCompletion(id: String, created: Int, model: String, chat: Bool, text: String, finish: String,
                        prompt: Int, completion: Int, rag: Completion.RAG?) -> Completion {
        let choice = chat ? Completion.Choice(message: .init(content: text), finishReason: Self.openAIFinish(finish))
                          : Completion.Choice(text: text, finishReason: Self.openAIFinish(finish))
        return Completion(id: id, object: chat ? "chat.completion" : "text_completion", created: created, model: model,
                          choices: [choice], usage: .init(prompt: prompt, completion: completion), rag: rag)
    }

    static func openAIFinish(_ reason: String) -> String { reason == "length" ? "length" : "stop" }

    typealias StreamRun = @Sendable (@escaping @Sendable (String) -> Void) async throws -> (finish: String, prompt: Int, completion: Int, answer: Answer?)

    /// OpenAI's streaming shape: a chunk per text delta, a last chunk with the finish reason, optionally a usage
    /// chunk, then `data: [DONE]`. An error after the stream began is sent as `{"error":{…}}` before [DONE].
    func streamResponse(id: String, created: Int, model: String, chat: Bool, includeUsage: Bool, run: @escaping StreamRun) -> Response {
        struct Failure: Encodable { var error: APIError.Body }
        let object = chat ? "chat.completion.chunk" : "text_completion"
        @Sendable func chunk(_ choices: [Completion.Choice], usage: Completion.Usage? = nil, rag: Completion.RAG? = nil) -> ByteBuffer {
            EventStream.event(json: Completion(id: id, object: object, created: created, model: model,
                                               choices: choices, usage: usage, rag: rag))
        }
        return EventStream.response(timeout: configuration.requestTimeout, end: EventStream.event("[DONE]"),
                                    failure: { EventStream.event(json: Failure(error: $0.body)) }) { send in
            if chat { send(chunk([Completion.Choice(delta: Completion.Delta(role: "assistant", content: ""))])) }
            let result = try await run { text in
                send(chunk([chat ? Completion.Choice(delta: Completion.Delta(content: text)) : Completion.Choice(text: text)]))
            }
            let finish = Self.openAIFinish(result.finish)
            let last = chat ? Completion.Choice(delta: Completion.Delta(), finishReason: finish) : Completion.Choice(text: "", finishReason: finish)
            send(chunk([last], rag: result.answer.map(Completion.RAG.init)))
            if includeUsage { send(chunk([], usage: Completion.Usage(prompt: result.prompt, completion: result.completion))) }
        }
    }
}
