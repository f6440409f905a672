/// POST /v1/ask: the `rag ask --json` object, or Server-Sent Events (deltas, then the answer).
import Answering
import Foundation
import Hummingbird
import Metrics
import NIOCore
import RAGCore
import Retrieval
import Store

struct AskController: RouteController {
    let state: ServiceState
    let configuration: ServerConfiguration

    static let endpoints: [Endpoint<Self>] = [
        Endpoint(.post, "/v1/ask") { c, r in try await c.ask(r) },
    ]

    static let askFields: Set<String> = ["question", "k", "mode", "filter", "stream", "temperature", "top_k", "top_p",
                                         "min_p", "repeat_penalty", "max_tokens", "stop", "seed", "extractive", "cache", "nprobe",
                                         "style", "keep_unsupported"]

    /// A parsed ask: the question and the options the engine takes.
    struct Ask: Sendable {
        var question: String
        /// Retrieval settings (mode, k, filter, nprobe) travel in `options.search`.
        var options: AskOptions
        var stream: Bool
    }

    func parseAsk(_ body: JSONBody, services s: Services) throws -> Ask {
        let question = try body.required("question") { try body.string($0, maxLength: 10_000, nonEmpty: true) }
        var options = AskOptions()
        let mode = try body.mode(default: configuration.defaultMode)
        if mode == .dense && !s.hasVectors {
            throw APIError(.noVectors, "mode: the index has no vectors (ingested with --no-embed): use keyword or hybrid")
        }
        let terms = try body.strings("filter") ?? []
        options.search = try SearchParameters(mode: s.hasVectors ? mode : .keyword, k: try body.integer("k") ?? configuration.defaultK,
                                              filter: try ChunkFilter(parsing: terms), nprobe: try body.integer("nprobe"),
                                              maxK: AskOptions.maxK)
        options.parameters = try body.generationParameters(base: options.parameters, contextLength: s.generator.backend.contextLength)
        if let style = try body.string("style", maxLength: 32) {
            guard let parsed = AnswerStyle(rawValue: style) else {
                throw APIError.invalid("style", "expected short, free or extractive, got \"\(style.prefix(40))\"")
            }
            if parsed == .short && s.reader == nil {
                throw APIError(.modelMissing, "style: short answers need the encoder model files (Models/minilm)")
            }
            options.style = parsed
        }
        if try body.bool("extractive") == true {
            if let style = options.style, style != .extractive { throw APIError.invalid("extractive", "contradicts style \(style.rawValue)") }
            options.style = .extractive
        }
        options.keepUnsupported = try body.bool("keep_unsupported") ?? false
        options.useCache = try body.bool("cache") ?? true
        options.cacheContext = s.cacheContext(mode: mode, filter: terms)
        return Ask(question: question, options: options, stream: try body.bool("stream") ?? false)
    }

    /// The stream's events: `delta` (a piece of the answer), then `answer` (the whole object) or `error`.
    struct Delta: Encodable { var type = "delta"; var text: String }
    struct Failure: Encodable { var type = "error"; var error: APIError.Body }
    /// The answer object with `"type": "answer"` among its fields.
    struct Final: Encodable {
        let answer: Answer
        enum Key: String, CodingKey { case type }
        func encode(to encoder: any Encoder) throws {
            try answer.encode(to: encoder)
            var c = encoder.container(keyedBy: Key.self)
            try c.encode("answer", forKey: .type)
        }
    }

    func ask(_ request: Request) async throws -> Response {
        let body = try await JSONBody.read(request, limit: configuration.maxBodyBytes, allowed: Self.askFields)
        let s = try state.ready()
        let ask = try parseAsk(body, services: s)
        let run = try Self.prepare(ask, services: s)
        guard ask.stream else {
            let answer = try await withTimeout(configuration.requestTimeout) { try await run.answer { _ in } }
            return try Reply.json(answer)
        }
        return EventStream.response(timeout: configuration.requestTimeout,
                                    failure: { EventStream.event(json: Failure(error: $0.body), name: "error") }) { send in
            let answer = try await run.answer { send(EventStream.event(json: Delta(text: $0), name: "delta")) }
            send(EventStream.event(json: Final(answer: answer), name: "answer"))
        }
    }

    /// Everything decided before the response starts: the cache look-up and the place in the generation queue
    /// (so a full queue is still a 503, not an error inside a started stream).
    struct PreparedAsk: Sendable {
        let ask: Ask
        let services: Services
        let cached: Answer?
        let ticket: GenerationGate.Ticket?

        func answer(onText: @escaping @Sendable (String) -> Void) async throws -> Answer {
            defer { ticket?.release() }
            if let cached {
                Counter(label: "rag_cache_requests_total", dimensions: [("cache", "answer"), ("result", "hit")]).increment()
                onText(cached.answer)
                return cached
            }
            try await ticket?.start()
            // Dense whatever the mode: the relevance floor compares the question's vector with every hit.
            try await services.prepareQuery(ask.question, mode: .dense)
            let slot = try services.takeSlot()
            defer { services.putSlot(slot) }
            let engine = services.engine(slot: slot, useCache: ask.options.useCache)
            let answer = try await engine.answer(ask.question, options: ask.options, onText: onText)
            Counter(label: "rag_cache_requests_total", dimensions: [("cache", "answer"), ("result", answer.cached ? "hit" : "miss")]).increment()
            if !answer.cached { StageMetrics.record(answer) }
            let sources = String(decoding: (try? Reply.encoder.encode(answer.sources)) ?? Data(), as: UTF8.self)
            // The log is for feedback; failing to write it (an ingest holding the write lock) never fails the answer,
            // and its wait for the lock happens off the cooperative pool.
            let store = slot.store, question = ask.question, id = answer.id, text = answer.answer, short = answer.shortAnswer
            do {
                try await Services.offload {
                    try store.logAnswer(id: id, question: question, answer: text, shortAnswer: short, sourcesJSON: sources)
                }
            } catch {
                Counter(label: "rag_answer_log_failures_total").increment()
            }
            return answer
        }
    }

    static func prepare(_ ask: Ask, services s: Services) throws -> PreparedAsk {
        let slot = try s.takeSlot()
        defer { s.putSlot(slot) }
        let engine = s.engine(slot: slot, useCache: ask.options.useCache)
        if let cached = try engine.cachedAnswer(ask.question, options: ask.options) {
            return PreparedAsk(ask: ask, services: s, cached: cached, ticket: nil)
        }
        let ticket = engine.needsGenerator(ask.options) ? try s.gate.admit() : nil
        return PreparedAsk(ask: ask, services: s, cached: nil, ticket: ticket)
    }
}
