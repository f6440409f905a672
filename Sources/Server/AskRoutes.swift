/// POST /v1/ask (the `rag ask --json` object, or Server-Sent Events) and POST /v1/feedback.
import Answering
import Foundation
import Hummingbird
import Metrics
import NIOCore
import RAGCore
import Retrieval
import Store

struct AskRoutes {
    let state: ServiceState
    let configuration: ServerConfiguration

    static let askFields: Set<String> = ["question", "k", "mode", "filter", "stream", "temperature", "top_k", "top_p",
                                         "min_p", "repeat_penalty", "max_tokens", "stop", "seed", "extractive", "cache", "nprobe"]

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
        options.extractive = try body.bool("extractive") ?? false
        options.useCache = try body.bool("cache") ?? true
        options.cacheContext = s.cacheContext(mode: mode, filter: terms)
        return Ask(question: question, options: options, stream: try body.bool("stream") ?? false)
    }

    func ask(_ request: Request) async throws -> Response {
        let body = try await JSONBody.read(request, limit: configuration.maxBodyBytes, allowed: Self.askFields)
        let s = try state.ready()
        let ask = try parseAsk(body, services: s)
        let run = try Self.prepare(ask, services: s)
        guard ask.stream else {
            let answer = try await Reply.withTimeout(configuration.requestTimeout) { try await run.answer { _ in } }
            return try Reply.json(answer)
        }
        let timeout = configuration.requestTimeout
        return Response(status: .ok, headers: Reply.sseHeaders, body: ResponseBody { writer in
            let (events, continuation) = AsyncStream<ByteBuffer>.makeStream()
            let producer = Task {
                do {
                    let answer = try await Reply.withTimeout(timeout) {
                        try await run.answer { delta in
                            continuation.yield(Reply.event(object: ["type": "delta", "text": delta], name: "delta"))
                        }
                    }
                    let data = try Reply.encoder.encode(answer)
                    var object = (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
                    object["type"] = "answer"
                    continuation.yield(Reply.event(object: object, name: "answer"))
                } catch {
                    let e = APIError.from(error)
                    continuation.yield(Reply.event(object: ["type": "error", "error": ["code": e.code.rawValue, "message": e.message]], name: "error"))
                }
                continuation.finish()
            }
            defer { producer.cancel() }
            for await event in events { try await writer.write(event) }
            try await writer.finish(nil)
        })
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
            try slot.store.logAnswer(id: answer.id, question: ask.question, answer: answer.answer, sourcesJSON: sources)
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

    func feedback(_ request: Request) async throws -> Response {
        let body = try await JSONBody.read(request, limit: configuration.maxBodyBytes, allowed: ["answer_id", "rating", "comment"])
        let s = try state.ready()
        let answerID = try body.required("answer_id") { try body.string($0, maxLength: 200, nonEmpty: true) }
        let rating = try body.required("rating") { try body.int($0, in: -1...1) }
        let comment = try body.string("comment", maxLength: 10_000) ?? ""
        let record = try await s.withSlot { slot in
            try await Services.offload { try slot.store.addFeedback(answerID: answerID, rating: rating, comment: comment) }
        }
        Counter(label: "rag_feedback_total", dimensions: [("rating", String(rating))]).increment()
        return try Reply.json(object: ["id": record.id, "answer_id": record.answerId, "rating": record.rating,
                                       "comment": record.comment, "created_at": record.createdAt], status: .created)
    }
}

/// Per-stage timings and token counts of answers and generations.
enum StageMetrics {
    static func stage(_ name: String, _ seconds: Double) {
        Timer(label: "rag_stage_duration_seconds", dimensions: [("stage", name)]).recordSeconds(seconds)
    }

    static func record(_ a: Answer) {
        stage("embed", a.timings.embedS)
        stage("search", a.timings.searchS)
        stage("pack", a.timings.packS)
        if a.usage.completionTokens > 0 || a.timings.prefillS > 0 {
            stage("prefill", a.timings.prefillS)
            stage("decode", a.timings.decodeS)
            stage("generate", a.timings.prefillS + a.timings.decodeS)
            Timer(label: "rag_time_to_first_token_seconds").recordSeconds(a.timings.ttftS)
        }
        tokens(prompt: a.usage.promptTokens, completion: a.usage.completionTokens, cached: a.usage.cachedPromptTokens)
    }

    static func tokens(prompt: Int, completion: Int, cached: Int) {
        Counter(label: "rag_prompt_tokens_total").increment(by: prompt)
        Counter(label: "rag_generated_tokens_total").increment(by: completion)
        Counter(label: "rag_cached_prompt_tokens_total").increment(by: cached)
    }
}
