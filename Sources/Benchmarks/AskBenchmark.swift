/// Answer latency by stage and citation quality over a question set, in one process: cold figures from the first
/// question, warm medians over the rest, a pass with the prompt-prefix cache switched the other way, and the time
/// of an answer-cache hit.
import Answering
import Foundation
import Generator
import RAGCore
import Retrieval
import Store

public struct AskBenchmark: Sendable {
    /// One line of the questions file.
    public struct Question: Sendable {
        public var question: String
        /// The file the answer should cite (a path, possibly under `Corpus/`).
        public var expectedSource: String
    }

    public var k = 5
    /// The retrieval mode the index supports (hybrid falls back to keyword without vectors).
    public var mode: RetrievalMode = .hybrid
    public var maxTokens = 128
    /// Whether the main pass runs with the generator's prefix cache on (the comparison pass runs the other way).
    public var prefixCache = true
    /// Questions (after the first) in the comparison pass; nil for all, 0 skips it.
    public var compareLimit: Int?
    /// Print every answer to the log.
    public var showAnswers = false

    public init() {}

    /// Reads a JSONL file of `{"question", "expected_source"}` objects.
    public static func loadQuestions(_ path: String, limit: Int? = nil) throws -> [Question] {
        var items: [Question] = []
        for line in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n") {
            guard let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let q = o["question"] as? String, let s = o["expected_source"] as? String else {
                throw RAGError(.invalidInput, "\(path): each line needs \"question\" and \"expected_source\"")
            }
            items.append(Question(question: q, expectedSource: s))
        }
        if let limit { items = Array(items.prefix(limit)) }
        return items
    }

    public struct Result: Encodable, Sendable {
        public var questions: Int
        public var cited_expected: Double
        /// The expected file is among the chunks retrieved and kept for the context (whatever the model cites).
        public var retrieved_expected: Double
        public var uncited: Double
        public var not_grounded: Int
        public var cold_ttft_s: Double
        public var cold_total_s: Double
        public var warm_ttft_p50_s: Double
        public var warm_total_p50_s: Double
        public var warm_share: [String: Double]
        public var warm_cached_prompt_tokens_p50: Int
        public var tokens_per_s: Double
        public var template: String
        public var assistant_prefix: String
        public var prefix_cache: Bool
        public var cold_share: [String: Double]
        public var warm_prompt_tokens_p50: Int
        public var warm_prefill_p50_s: Double
        public var warm_ttft_p50_prefix_cache_on_s: Double?
        public var warm_ttft_p50_prefix_cache_off_s: Double?
        public var warm_prefill_p50_prefix_cache_on_s: Double?
        public var warm_prefill_p50_prefix_cache_off_s: Double?
        public var prefix_cache_compared: Int
        public var prefix_cache_same_answer: Int
        public var answer_cache_hit_s: Double
        public var cited_numbers: [String: Int]
        public var invalid_citations: Int
        /// Answers whose first context block is from the expected file (what always citing [1] would score).
        public var first_block_expected: Double
        public var truncated_context: Int
    }

    /// Answers every question with `generator` over `context`. `processStart` is the process's start
    /// (`ProcessInfo.systemUptime`) and `loadSeconds` the model loading, so the cold figures include them.
    public func run(_ items: [Question], context: SearchContextRetriever, generator: LocalGenerator,
                    template: PromptTemplate, processStart: Double, loadSeconds: Double,
                    log: (String) -> Void) async throws -> Result {
        func now() -> Double { ProcessInfo.processInfo.systemUptime }
        let engine = AnswerEngine(retriever: context, generator: generator, template: template, cache: nil,
                                  countTokens: { generator.promptTokens($0).count })
        var options = AskOptions()
        options.search = try SearchParameters(mode: mode, k: k, maxK: AskOptions.maxK)
        options.useCache = false
        options.parameters = try GenerationParameters.answer.with(maxTokens: maxTokens, contextLength: 2048)

        var cited = 0, retrieved = 0, firstBlock = 0, truncated = 0, uncited = 0, notGrounded = 0, completion = 0, invalid = 0
        var decodeSeconds = 0.0
        var coldTTFT = 0.0, coldTotal = 0.0
        var coldStage: [String: Double] = [:]
        var warmTTFT: [Double] = [], warmTotal: [Double] = [], warmPrefill: [Double] = [], cachedTokens: [Int] = [], promptTokens: [Int] = []
        var stage = ["embed": 0.0, "search": 0.0, "pack": 0.0, "prefill": 0.0, "decode": 0.0]
        var numbers: [String: Int] = [:]
        var answers: [String] = []
        for (i, item) in items.enumerated() {
            let q = item.question
            let a = try await engine.answer(q, options: options)
            answers.append(a.answer)
            let expected = item.expectedSource
            let expectedSuffix = expected.hasPrefix("Corpus/") ? String(expected.dropFirst("Corpus/".count)) : expected
            func matches(_ path: String) -> Bool { path.hasSuffix(expectedSuffix) }
            if !a.grounded { notGrounded += 1 }
            if a.uncited { uncited += 1 }
            if !a.uncited && a.sources.contains(where: { matches($0.path) }) { cited += 1 }
            // The context the model was given (the engine's own retrieval and selection, repeated after the answer
            // so its query-embedding cache does not flatter the timings above); truncated_context counts the answers
            // whose packing left some of it out.
            let r = try context.retrieve(q, options.search)
            let given = ContextSelection.select(r, options: options.selection).map { r.hits[$0].path }
            if given.contains(where: matches) { retrieved += 1 }
            if let first = given.first, matches(first) { firstBlock += 1 }
            if a.truncatedContext { truncated += 1 }
            for c in a.citations { numbers[String(c.n), default: 0] += 1 }
            invalid += a.invalidCitations
            completion += a.usage.completionTokens
            decodeSeconds += a.timings.decodeS
            if i == 0 {
                coldTTFT = now() - processStart - a.timings.totalS + a.timings.ttftS
                coldTotal = now() - processStart
                let t = a.timings
                let parts = ["load": loadSeconds, "embed": t.embedS, "search": t.searchS, "pack": t.packS, "prefill": t.prefillS, "decode": t.decodeS]
                let sum = parts.values.reduce(0, +)
                coldStage = parts.mapValues { sum > 0 ? $0 / sum : 0 }
            } else if a.grounded {
                warmTTFT.append(a.timings.ttftS)
                warmTotal.append(a.timings.totalS)
                warmPrefill.append(a.timings.prefillS)
                cachedTokens.append(a.usage.cachedPromptTokens)
                promptTokens.append(a.usage.promptTokens)
                stage["embed"]! += a.timings.embedS; stage["search"]! += a.timings.searchS; stage["pack"]! += a.timings.packS
                stage["prefill"]! += a.timings.prefillS; stage["decode"]! += a.timings.decodeS
            }
            log("[\(i + 1)/\(items.count)] \(a.grounded ? (a.uncited ? "uncited" : "cited") : "not grounded") \(String(format: "%.2f", a.timings.totalS)) s  \(q)")
            if showAnswers { log("    → \(a.answer.replacingOccurrences(of: "\n", with: " ⏎ "))  \(a.sources.map { "[\($0.n)] \($0.path.split(separator: "/").suffix(2).joined(separator: "/"))" }.joined(separator: " "))") }
        }

        // The same questions with the prefix cache switched the other way (same prompts, same parameters).
        let compare = Array(items.indices.dropFirst().prefix(compareLimit ?? items.count))
        generator.prefixCacheEnabled = !prefixCache
        var otherTTFT: [Double] = [], otherPrefill: [Double] = []
        var same = 0, compared = 0
        for i in compare {
            let a = try await engine.answer(items[i].question, options: options)
            guard a.grounded else { continue }
            compared += 1
            if a.answer == answers[i] { same += 1 }
            otherTTFT.append(a.timings.ttftS)
            otherPrefill.append(a.timings.prefillS)
            log("[prefix cache \(prefixCache ? "off" : "on") \(compared)/\(compare.count)] ttft \(String(format: "%.2f", a.timings.ttftS)) s\(a.answer == answers[i] ? "" : "  (different answer)")")
        }
        generator.prefixCacheEnabled = prefixCache

        let hitSeconds = try await answerCacheHitSeconds(items.first?.question, context: context, generator: generator,
                                                         template: template, options: options)

        let total = stage.values.reduce(0, +)
        let median = OrderStatistics.median(_:) as ([Double]) -> Double
        let medianInt = OrderStatistics.median(_:) as ([Int]) -> Int
        let n = Double(max(items.count, 1))
        let otherT: Double? = compared > 0 ? median(otherTTFT) : nil
        let otherP: Double? = compared > 0 ? median(otherPrefill) : nil
        return Result(
            questions: items.count, cited_expected: Double(cited) / n, retrieved_expected: Double(retrieved) / n,
            uncited: Double(uncited) / n, not_grounded: notGrounded, cold_ttft_s: coldTTFT, cold_total_s: coldTotal,
            warm_ttft_p50_s: median(warmTTFT), warm_total_p50_s: median(warmTotal),
            warm_share: stage.mapValues { total > 0 ? $0 / total : 0 },
            warm_cached_prompt_tokens_p50: medianInt(cachedTokens),
            tokens_per_s: decodeSeconds > 0 ? Double(completion) / decodeSeconds : 0,
            template: template.name, assistant_prefix: template.assistantPrefix ?? "",
            prefix_cache: prefixCache, cold_share: coldStage,
            warm_prompt_tokens_p50: medianInt(promptTokens), warm_prefill_p50_s: median(warmPrefill),
            warm_ttft_p50_prefix_cache_on_s: prefixCache ? median(warmTTFT) : otherT,
            warm_ttft_p50_prefix_cache_off_s: prefixCache ? otherT : median(warmTTFT),
            warm_prefill_p50_prefix_cache_on_s: prefixCache ? median(warmPrefill) : otherP,
            warm_prefill_p50_prefix_cache_off_s: prefixCache ? otherP : median(warmPrefill),
            prefix_cache_compared: compared, prefix_cache_same_answer: same,
            answer_cache_hit_s: hitSeconds, cited_numbers: numbers, invalid_citations: invalid,
            first_block_expected: Double(firstBlock) / n, truncated_context: truncated)
    }

    /// An answer-cache hit: key, SQLite lookup, decode, in a temporary cache filled by an extractive answer
    /// (the hit path is the same whatever filled it).
    func answerCacheHitSeconds(_ question: String?, context: SearchContextRetriever, generator: LocalGenerator,
                               template: PromptTemplate, options: AskOptions) async throws -> Double {
        guard let question else { return 0 }
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("rag-bench-ask-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        let cacheStore = try IndexStore(path: tmp.appendingPathComponent("cache.sqlite").path)
        let cachedEngine = AnswerEngine(retriever: context, generator: generator, template: template,
                                        cache: AnswerCache(store: cacheStore), countTokens: { generator.promptTokens($0).count })
        var cacheOptions = options
        cacheOptions.useCache = true
        cacheOptions.extractive = true
        _ = try await cachedEngine.answer(question, options: cacheOptions)
        let t0 = ProcessInfo.processInfo.systemUptime
        let hit = try await cachedEngine.answer(question, options: cacheOptions)
        let seconds = ProcessInfo.processInfo.systemUptime - t0
        if !hit.cached { throw RAGError(.internalError, "the answer cache did not serve a repeated question") }
        return seconds
    }
}
