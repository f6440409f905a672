/// `rag bench ask`: answer latency by stage and citation quality over a question set (the measurement is `AskBenchmark`).
import Answering
import ArgumentParser
import Benchmarks
import Foundation
import RAGCore
import Settings
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
    @OptionGroup var configOptions: ConfigOptions
    @Option(name: .customShort("k"), help: settingHelp(Setting.k, "Chunks to retrieve.")) var kFlag: Int?
    @Option(name: .customLong("mode"), help: settingHelp(Setting.mode, "Retrieval mode.")) var modeFlag: SearchMode?
    @Option(name: .customLong("threads"), help: settingHelp(Setting.threads, "Generator threads.")) var threadsFlag: Int?
    @Option(name: .customLong("max-tokens"), help: settingHelp(Setting.maxTokens, "Most tokens per answer.", default: "128")) var maxTokensFlag: Int?
    @Option(name: .customLong("template"), help: settingHelp(Setting.template, "Prompt template: a built-in name or a .mustache file.")) var templateFlag: String?

    var k: Int { CLISettings.int(Setting.k, kFlag) }
    var mode: SearchMode { CLISettings.choice(Setting.mode, modeFlag) }
    var threads: Int? { CLISettings.current.int(Setting.threads, flag: threadsFlag) }
    /// The benchmark's own default (128, shorter than an answer's 256), below the environment and the file.
    var maxTokens: Int { CLISettings.int(Setting.maxTokens, maxTokensFlag, commandDefault: 128) }
    var template: String? { CLISettings.current.string(Setting.template, flag: templateFlag) }
    @Option(help: "Replace the system message with this file's text (to compare prompts).") var systemFile: String?
    @Option(help: "Replace the template's assistant prefix (the begun answer); \"\" for none.") var assistantPrefix: String?
    @Flag(help: "Turn the generator's prompt-prefix cache off for the main pass.") var noPrefixCache = false
    @Option(help: "Questions (after the first) in the pass with the prefix cache switched the other way; default all, 0 skips it.") var compareLimit: Int?
    @Flag(help: "Print every answer to stderr.") var showAnswers = false

    func run() async throws {
        let processStart = ProcessInfo.processInfo.systemUptime
        let items = try asUsageError { try AskBenchmark.loadQuestions(questions, limit: limit) }
        let store = try IndexStore(path: indexOptions.path)
        let context = try RetrieverLoader(modelOptions: modelOptions).contextRetriever(store: store, mode: mode)
        let generator = try LocalGenerator(modelPath: GeneratorModel.path(modelOptions.directory), threads: threads,
                                           contextLength: 2048, prefixCache: !noPrefixCache)
        var promptTemplate = try PromptTemplate.load(template)
        if systemFile != nil || assistantPrefix != nil {
            let system = try systemFile.map { try String(contentsOfFile: $0, encoding: .utf8) } ?? promptTemplate.system
            promptTemplate = try promptTemplate.with(system: system, assistantPrefix: assistantPrefix ?? promptTemplate.assistantPrefix)
        }
        let loadSeconds = ProcessInfo.processInfo.systemUptime - processStart
        var bench = AskBenchmark()
        bench.k = k
        bench.mode = context.mode
        bench.maxTokens = maxTokens
        bench.prefixCache = !noPrefixCache
        bench.compareLimit = compareLimit
        bench.showAnswers = showAnswers
        try printJSON(try await bench.run(items, context: context.retriever, generator: generator, template: promptTemplate,
                                          processStart: processStart, loadSeconds: loadSeconds, log: printError))
    }
}

extension BenchAskCommand: SettingsCommand {
    var settingsIndexPath: String? { indexOptions.path }
    func validateSettings() throws {}
}
