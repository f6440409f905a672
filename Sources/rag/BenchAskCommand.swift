/// `rag bench ask`: answer latency by stage and citation quality over a question set, in one process.
import Answering
import ArgumentParser
import Foundation
import RAGCore
import Generator
import Retrieval
import Store

struct BenchAskCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ask",
        abstract: "Answer every question of a JSONL file ({\"question\", \"expected_source\"}) and report latency and cited-source recall as one JSON line.",
        discussion: """
            Cold figures are the first question of the process (models loaded from disk, no prompt-prefix cache; \
            cold_share includes the loading). Warm figures are medians over the rest (answer cache off, prefix cache \
            on unless --no-prefix-cache). A second pass over the same questions with the prefix cache switched the \
            other way gives the *_prefix_cache_on/off figures and how many greedy answers came out identical; \
            --compare-limit 0 skips it. answer_cache_hit_s is the time of an answer served from the answer cache \
            (a temporary cache, filled by an extractive answer to the first question).
            """)

    @OptionGroup var indexOptions: IndexOptions
    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "Questions file.") var questions: String = "Tests/Fixtures/corpus-questions.jsonl"
    @Option(help: "Answer only the first N questions.") var limit: Int?
    @Option(name: .short, help: "Chunks to retrieve.") var k: Int = 5
    @Option(help: "Retrieval mode.") var mode: SearchMode = .hybrid
    @Option(help: "Generator threads.") var threads: Int?
    @Option(help: "Most tokens per answer.") var maxTokens: Int = 128
    @Option(help: "Prompt template: a built-in name or a .mustache file.") var template: String?
    @Option(help: "Replace the system message with this file's text (to compare prompts).") var systemFile: String?
    @Option(help: "Replace the template's assistant prefix (the begun answer); \"\" for none.") var assistantPrefix: String?
    @Flag(help: "Turn the generator's prompt-prefix cache off for the main pass.") var noPrefixCache = false
    @Option(help: "Questions (after the first) in the pass with the prefix cache switched the other way; default all, 0 skips it.") var compareLimit: Int?
    @Flag(help: "Print every answer to stderr.") var showAnswers = false

    struct Output: Encodable {
        var questions: Int
        var cited_expected: Double
        /// The expected file is among the chunks retrieved and kept for the context (whatever the model cites).
        var retrieved_expected: Double
        var uncited: Double
        var not_grounded: Int
        var cold_ttft_s: Double
        var cold_total_s: Double
        var warm_ttft_p50_s: Double
        var warm_total_p50_s: Double
        var warm_share: [String: Double]
        var warm_cached_prompt_tokens_p50: Int
        var tokens_per_s: Double
        // Added with the prefix-cache switch.
        var template: String
        var assistant_prefix: String
        var prefix_cache: Bool
        var cold_share: [String: Double]
        var warm_prompt_tokens_p50: Int
        var warm_prefill_p50_s: Double
        var warm_ttft_p50_prefix_cache_on_s: Double?
        var warm_ttft_p50_prefix_cache_off_s: Double?
        var warm_prefill_p50_prefix_cache_on_s: Double?
        var warm_prefill_p50_prefix_cache_off_s: Double?
        var prefix_cache_compared: Int
        var prefix_cache_same_answer: Int
        var answer_cache_hit_s: Double
        var cited_numbers: [String: Int]
        var invalid_citations: Int
        /// Answers whose first context block is from the expected file (what always citing [1] would score).
        var first_block_expected: Double
        var truncated_context: Int
    }

    func run() async throws {
        let processStart = ProcessInfo.processInfo.systemUptime
        let lines = try String(contentsOfFile: questions, encoding: .utf8).split(separator: "\n")
        var items: [(String, String)] = []
        for line in lines {
            guard let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let q = o["question"] as? String, let s = o["expected_source"] as? String else {
                throw ValidationError("\(questions): each line needs \"question\" and \"expected_source\"")
            }
            items.append((q, s))
        }
        if let limit { items = Array(items.prefix(limit)) }
        let store = try IndexStore(path: indexOptions.path)
        let context = try RetrieverLoader(modelOptions: modelOptions).contextRetriever(store: store, mode: mode)
        let generator = try LocalGenerator(modelPath: GeneratorModel.path(modelOptions.directory), threads: threads,
                                           contextLength: 2048, prefixCache: !noPrefixCache)
        var promptTemplate = try PromptTemplate.load(template)
        if systemFile != nil || assistantPrefix != nil {
            let system = try systemFile.map { try String(contentsOfFile: $0, encoding: .utf8) } ?? promptTemplate.system
            promptTemplate = try promptTemplate.with(system: system, assistantPrefix: assistantPrefix ?? promptTemplate.assistantPrefix)
        }
        let engine = AnswerEngine(retriever: context.retriever, generator: generator,
                                  template: promptTemplate, cache: nil,
                                  countTokens: { generator.promptTokens($0).count })
        let loadSeconds = ProcessInfo.processInfo.systemUptime - processStart
        var options = AskOptions()
        options.search = try SearchParameters(mode: context.mode, k: k, maxK: AskOptions.maxK)
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
        for (i, (q, expected)) in items.enumerated() {
            let a = try await engine.answer(q, options: options)
            answers.append(a.answer)
            let expectedSuffix = expected.hasPrefix("Corpus/") ? String(expected.dropFirst("Corpus/".count)) : expected
            func matches(_ path: String) -> Bool { path.hasSuffix(expectedSuffix) }
            if !a.grounded { notGrounded += 1 }
            if a.uncited { uncited += 1 }
            if !a.uncited && a.sources.contains(where: { matches($0.path) }) { cited += 1 }
            // The context the model was given (the engine's own retrieval and selection, repeated after the answer
            // so its query-embedding cache does not flatter the timings above); truncated_context counts the answers
            // whose packing left some of it out.
            let r = try context.retriever.retrieve(q, options.search)
            let given = ContextSelection.select(r, options: options.selection).map { r.hits[$0].path }
            if given.contains(where: matches) { retrieved += 1 }
            if let first = given.first, matches(first) { firstBlock += 1 }
            if a.truncatedContext { truncated += 1 }
            for c in a.citations { numbers[String(c.n), default: 0] += 1 }
            invalid += a.invalidCitations
            completion += a.usage.completionTokens
            decodeSeconds += a.timings.decodeS
            if i == 0 {
                coldTTFT = ProcessInfo.processInfo.systemUptime - processStart - a.timings.totalS + a.timings.ttftS
                coldTotal = ProcessInfo.processInfo.systemUptime - processStart
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
            printError("[\(i + 1)/\(items.count)] \(a.grounded ? (a.uncited ? "uncited" : "cited") : "not grounded") \(String(format: "%.2f", a.timings.totalS)) s  \(q)")
            if showAnswers { printError("    → \(a.answer.replacingOccurrences(of: "\n", with: " ⏎ "))  \(a.sources.map { "[\($0.n)] \($0.path.split(separator: "/").suffix(2).joined(separator: "/"))" }.joined(separator: " "))") }
        }

        // The same questions with the prefix cache switched the other way (same prompts, same parameters).
        let compare = Array(items.indices.dropFirst().prefix(compareLimit ?? items.count))
        generator.prefixCacheEnabled = noPrefixCache
        var otherTTFT: [Double] = [], otherPrefill: [Double] = []
        var same = 0, compared = 0
        for i in compare {
            let a = try await engine.answer(items[i].0, options: options)
            guard a.grounded else { continue }
            compared += 1
            if a.answer == answers[i] { same += 1 }
            otherTTFT.append(a.timings.ttftS)
            otherPrefill.append(a.timings.prefillS)
            printError("[prefix cache \(noPrefixCache ? "on" : "off") \(compared)/\(compare.count)] ttft \(String(format: "%.2f", a.timings.ttftS)) s\(a.answer == answers[i] ? "" : "  (different answer)")")
        }
        generator.prefixCacheEnabled = !noPrefixCache

        // An answer-cache hit: key, SQLite lookup, decode. Filled by an extractive answer (the hit path is the same).
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("rag-bench-ask-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        let cacheStore = try IndexStore(path: tmp.appendingPathComponent("cache.sqlite").path)
        let cachedEngine = AnswerEngine(retriever: context.retriever, generator: generator, template: promptTemplate,
                                        cache: AnswerCache(store: cacheStore), countTokens: { generator.promptTokens($0).count })
        var cacheOptions = options
        cacheOptions.useCache = true
        cacheOptions.extractive = true
        var hitSeconds = 0.0
        if let first = items.first?.0 {
            _ = try await cachedEngine.answer(first, options: cacheOptions)
            let t0 = ProcessInfo.processInfo.systemUptime
            let hit = try await cachedEngine.answer(first, options: cacheOptions)
            hitSeconds = ProcessInfo.processInfo.systemUptime - t0
            if !hit.cached { throw ValidationError("the answer cache did not serve a repeated question") }
        }

        let total = stage.values.reduce(0, +)
        func median(_ xs: [Double]) -> Double { xs.isEmpty ? 0 : xs.sorted()[xs.count / 2] }
        func medianInt(_ xs: [Int]) -> Int { xs.isEmpty ? 0 : xs.sorted()[xs.count / 2] }
        let n = Double(max(items.count, 1))
        let otherT: Double? = compared > 0 ? median(otherTTFT) : nil
        let otherP: Double? = compared > 0 ? median(otherPrefill) : nil
        try printJSON(Output(
            questions: items.count, cited_expected: Double(cited) / n, retrieved_expected: Double(retrieved) / n,
            uncited: Double(uncited) / n, not_grounded: notGrounded, cold_ttft_s: coldTTFT, cold_total_s: coldTotal,
            warm_ttft_p50_s: median(warmTTFT), warm_total_p50_s: median(warmTotal),
            warm_share: stage.mapValues { total > 0 ? $0 / total : 0 },
            warm_cached_prompt_tokens_p50: medianInt(cachedTokens),
            tokens_per_s: decodeSeconds > 0 ? Double(completion) / decodeSeconds : 0,
            template: promptTemplate.name, assistant_prefix: promptTemplate.assistantPrefix ?? "",
            prefix_cache: !noPrefixCache, cold_share: coldStage,
            warm_prompt_tokens_p50: medianInt(promptTokens), warm_prefill_p50_s: median(warmPrefill),
            warm_ttft_p50_prefix_cache_on_s: noPrefixCache ? otherT : median(warmTTFT),
            warm_ttft_p50_prefix_cache_off_s: noPrefixCache ? median(warmTTFT) : otherT,
            warm_prefill_p50_prefix_cache_on_s: noPrefixCache ? otherP : median(warmPrefill),
            warm_prefill_p50_prefix_cache_off_s: noPrefixCache ? median(warmPrefill) : otherP,
            prefix_cache_compared: compared, prefix_cache_same_answer: same,
            answer_cache_hit_s: hitSeconds, cited_numbers: numbers, invalid_citations: invalid,
            first_block_expected: Double(firstBlock) / n, truncated_context: truncated))
    }
}
