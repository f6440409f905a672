/// `rag bench ask`: answer latency by stage and citation quality over a question set, in one process.
import Answering
import ArgumentParser
import Foundation
import Generator
import Retrieval
import Store

struct BenchAskCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ask",
        abstract: "Answer every question of a JSONL file ({\"question\", \"expected_source\"}) and report latency and cited-source recall as one JSON line.",
        discussion: "Cold figures are the first question of the process (models loaded from disk, no prompt-prefix cache); warm figures are medians over the rest (answer cache off, prefix cache on).")

    @OptionGroup var indexOptions: IndexOptions
    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "Questions file.") var questions: String = "Tests/Fixtures/corpus-questions.jsonl"
    @Option(help: "Answer only the first N questions.") var limit: Int?
    @Option(name: .short, help: "Chunks to retrieve.") var k: Int = 5
    @Option(help: "Retrieval mode.") var mode: SearchMode = .hybrid
    @Option(help: "Generator threads.") var threads: Int?
    @Option(help: "Most tokens per answer.") var maxTokens: Int = 128

    struct Output: Encodable {
        var questions: Int
        var cited_expected: Double
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
        let context = try RetrieverLoader(modelOptions: modelOptions).contextRetriever(store: store, mode: mode, filter: nil)
        let generator = try LocalGenerator(modelPath: GeneratorModel.path(modelOptions.directory), threads: threads, contextLength: 2048)
        let engine = AnswerEngine(retriever: context.retriever, generator: generator,
                                  template: try PromptTemplate.load(nil), cache: nil,
                                  countTokens: { generator.promptTokens($0).count })
        var options = AskOptions()
        options.k = k
        options.useCache = false
        options.parameters.maxTokens = maxTokens

        var cited = 0, retrieved = 0, uncited = 0, notGrounded = 0, completion = 0
        var decodeSeconds = 0.0
        var coldTTFT = 0.0, coldTotal = 0.0
        var warmTTFT: [Double] = [], warmTotal: [Double] = [], cachedTokens: [Int] = []
        var stage = ["embed": 0.0, "search": 0.0, "pack": 0.0, "prefill": 0.0, "decode": 0.0]
        for (i, (q, expected)) in items.enumerated() {
            let a = try await engine.answer(q, options: options)
            let expectedSuffix = expected.hasPrefix("Corpus/") ? String(expected.dropFirst("Corpus/".count)) : expected
            func matches(_ path: String) -> Bool { path.hasSuffix(expectedSuffix) }
            if !a.grounded { notGrounded += 1 }
            if a.uncited { uncited += 1 }
            if !a.uncited && a.sources.contains(where: { matches($0.path) }) { cited += 1 }
            if a.sources.contains(where: { matches($0.path) }) { retrieved += 1 }
            completion += a.usage.completionTokens
            decodeSeconds += a.timings.decodeS
            if i == 0 {
                coldTTFT = ProcessInfo.processInfo.systemUptime - processStart - a.timings.totalS + a.timings.ttftS
                coldTotal = ProcessInfo.processInfo.systemUptime - processStart
            } else if a.grounded {
                warmTTFT.append(a.timings.ttftS)
                warmTotal.append(a.timings.totalS)
                cachedTokens.append(a.usage.cachedPromptTokens)
                stage["embed"]! += a.timings.embedS; stage["search"]! += a.timings.searchS; stage["pack"]! += a.timings.packS
                stage["prefill"]! += a.timings.prefillS; stage["decode"]! += a.timings.decodeS
            }
            printError("[\(i + 1)/\(items.count)] \(a.grounded ? (a.uncited ? "uncited" : "cited") : "not grounded") \(String(format: "%.2f", a.timings.totalS)) s  \(q)")
        }
        let total = stage.values.reduce(0, +)
        func median(_ xs: [Double]) -> Double { xs.isEmpty ? 0 : xs.sorted()[xs.count / 2] }
        let n = Double(max(items.count, 1))
        try printJSON(Output(
            questions: items.count, cited_expected: Double(cited) / n, retrieved_expected: Double(retrieved) / n,
            uncited: Double(uncited) / n, not_grounded: notGrounded, cold_ttft_s: coldTTFT, cold_total_s: coldTotal,
            warm_ttft_p50_s: median(warmTTFT), warm_total_p50_s: median(warmTotal),
            warm_share: stage.mapValues { total > 0 ? $0 / total : 0 },
            warm_cached_prompt_tokens_p50: cachedTokens.isEmpty ? 0 : cachedTokens.sorted()[cachedTokens.count / 2],
            tokens_per_s: decodeSeconds > 0 ? Double(completion) / decodeSeconds : 0))
    }
}
