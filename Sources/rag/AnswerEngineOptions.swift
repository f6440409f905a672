/// The flags that shape an answer (retrieval, context selection, generator, sampling), as one group, and the answer
/// engine they build, so a command that answers questions answers them as `rag ask` does.
import Adaptation
import Answering
import ArgumentParser
import Backends
import Foundation
import RAGCore
import Reader
import Retrieval
import Settings
import Store

struct AnswerEngineOptions: ParsableArguments {
    @Option(name: .customLong("mode"), help: settingHelp(Setting.mode, "Retrieval mode: dense, keyword or hybrid (keyword when the index has no vectors).")) var modeFlag: SearchMode?
    @Option(help: "Only chunks matching this condition (repeatable): path:GLOB, format:NAME, heading:TEXT, after:DATE, before:DATE.") var filter: [String] = []
    @Option(name: .customShort("k"), help: settingHelp(Setting.k)) var kFlag: Int?
    @Option(name: .customLong("template"), help: settingHelp(Setting.template)) var templateFlag: String?
    @Option(name: .customLong("style"), help: settingHelp(Setting.style)) var styleFlag: AnswerStyle?
    @Flag(help: "Alias of --style extractive.") var extractive = false
    @Option(name: .customLong("reader-passages"), help: settingHelp(Setting.readerPassages)) var readerPassagesFlag: Int?
    @Option(name: .customLong("reader-rank-penalty"), help: settingHelp(Setting.readerRankPenalty)) var readerRankPenaltyFlag: Double?
    @Option(name: .customLong("reader-min-score"), help: settingHelp(Setting.readerMinScore)) var readerMinScoreFlag: Double?
    @Option(name: .customLong("reader-generator-weight"), help: settingHelp(Setting.readerGeneratorWeight)) var readerGeneratorWeightFlag: Double?
    @Flag(name: .customLong("no-prune-context"), help: settingHelp(Setting.noPruneContext)) var noPruneContextFlag = false
    @Flag(name: .customLong("keep-unsupported"), help: settingHelp(Setting.keepUnsupported)) var keepUnsupportedFlag = false
    @Flag(name: .customLong("no-prefix-cache"), help: settingHelp(Setting.noPrefixCache)) var noPrefixCacheFlag = false
    @Option(name: .customLong("min-relevance"), help: settingHelp(Setting.minRelevance)) var minRelevanceFlag: Double?
    @Option(name: .customLong("context-length"), help: settingHelp(Setting.contextLength)) var contextLengthFlag: Int?
    @Option(name: .customLong("threads"), help: settingHelp(Setting.threads)) var threadsFlag: Int?
    @Option(name: .customLong("generator"), help: settingHelp(Setting.generator)) var generatorFlag: String?
    @Option(name: .customLong("generator-model"), help: settingHelp(Setting.generatorModel)) var generatorModelFlag: String?
    @Option(help: "Bearer key sent to openai: backends (env RAG_GENERATOR_API_KEY).") var generatorApiKey: String?
    @OptionGroup var generation: GenerationOptions
    @OptionGroup var queryEncoding: QueryEncodingOptions

    var mode: SearchMode { CLISettings.choice(Setting.mode, modeFlag) }
    var k: Int { CLISettings.int(Setting.k, kFlag) }
    var template: String? { CLISettings.current.string(Setting.template, flag: templateFlag) }
    var style: AnswerStyle? { CLISettings.current.choice(Setting.style, flag: styleFlag) }
    var readerPassages: Int { CLISettings.int(Setting.readerPassages, readerPassagesFlag) }
    var readerRankPenalty: Double { CLISettings.double(Setting.readerRankPenalty, readerRankPenaltyFlag) }
    var readerMinScore: Double { CLISettings.double(Setting.readerMinScore, readerMinScoreFlag) }
    var readerGeneratorWeight: Double { CLISettings.double(Setting.readerGeneratorWeight, readerGeneratorWeightFlag) }
    var noPruneContext: Bool { CLISettings.bool(Setting.noPruneContext, noPruneContextFlag) }
    var keepUnsupported: Bool { CLISettings.bool(Setting.keepUnsupported, keepUnsupportedFlag) }
    var noPrefixCache: Bool { CLISettings.bool(Setting.noPrefixCache, noPrefixCacheFlag) }
    var minRelevance: Double { CLISettings.double(Setting.minRelevance, minRelevanceFlag) }
    var contextLength: Int { CLISettings.int(Setting.contextLength, contextLengthFlag) }
    var threads: Int? { CLISettings.current.int(Setting.threads, flag: threadsFlag) }
    var generatorChoice: String { CLISettings.string(Setting.generator, generatorFlag) }
    var generatorModel: String { CLISettings.string(Setting.generatorModel, generatorModelFlag) }

    func validate() throws {
        guard contextLength >= 256 && contextLength <= 8192 else { throw ValidationError("--context-length must be between 256 and 8192") }
        do { _ = try GeneratorChoice(parsing: generatorChoice) } catch let e as RAGError { throw ValidationError(e.message) }
        guard (1...AskOptions.maxK).contains(readerPassages) else { throw ValidationError("--reader-passages must be between 1 and \(AskOptions.maxK)") }
        guard readerGeneratorWeight.isFinite && readerGeneratorWeight >= 0 else { throw ValidationError("--reader-generator-weight must be a number ≥ 0") }
        guard readerRankPenalty.isFinite && readerRankPenalty >= 0 else { throw ValidationError("--reader-rank-penalty must be a number ≥ 0") }
        guard readerMinScore.isFinite else { throw ValidationError("--reader-min-score must be a finite number") }
        // Against the flag only: --extractive overrides a style from the environment or rag.toml.
        if extractive, let styleFlag, styleFlag != .extractive { throw ValidationError("--extractive contradicts --style \(styleFlag.rawValue)") }
    }

    /// The style answers take: `--style`, else `--extractive`, else short with the local generator and free with
    /// openai: backends.
    var chosenStyle: AnswerStyle {
        if extractive { return .extractive }
        if let style { return style }
        if let choice = try? GeneratorChoice(parsing: generatorChoice), case .local = choice { return .short }
        return .free
    }

    /// The validated retrieval and sampling values (built before any file is opened, so bad flags exit 2 at once).
    func parameters() throws -> (search: SearchParameters, generation: GenerationParameters) {
        (try SearchParameters(mode: mode, k: k, filter: try ChunkFilter(parsing: filter), maxK: AskOptions.maxK),
         try generation.parameters(contextLength: contextLength))
    }

    /// The engine over `store` (its retriever passed through `wrap`, which may observe it) and the options to ask
    /// it with. The generator is loaded for free answers, and for short answers when one of `questions` is a
    /// yes/no question (the generator then chooses yes or no); the span reader for short answers.
    func engine(store: IndexStore, modelOptions: ModelOptions, encoderOptions: EncoderOptions? = nil, cache: AnswerCache?, questions: [String],
                wrap: (any ContextRetriever) -> any ContextRetriever = { $0 }) async throws -> (engine: AnswerEngine, options: AskOptions) {
        let (search, parameters) = try self.parameters()
        // Short answers need the encoder's weights here (a remote encoder is not enough): without them the default
        // falls back to free answers; an explicit --style short is refused by the engine with the reason.
        let context = try RetrieverLoader(modelOptions: modelOptions, encoderOptions: encoderOptions,
                                          queryEncoding: queryEncoding.encoding).contextRetriever(store: store, mode: mode)
        let reader = chosenStyle == .short ? try SpanReader.load(modelsDirectory: modelOptions.directory) : nil
        let style: AnswerStyle = chosenStyle == .short && reader == nil && self.style == nil ? .free : chosenStyle
        let needsGenerator = style == .free
            || (style == .short && (readerGeneratorWeight > 0 || questions.contains(where: QuestionKind.isYesNo)))
        let loaded = !needsGenerator ? nil : try LoadedGenerator.load(
            try GeneratorChoice(parsing: generatorChoice), modelsDirectory: modelOptions.directory,
            contextLength: contextLength, threads: threads, backendModel: generatorModel,
            backendAPIKey: generatorApiKey ?? ProcessInfo.processInfo.environment["RAG_GENERATOR_API_KEY"].flatMap { $0.isEmpty ? nil : $0 },
            prefixCache: !noPrefixCache)
        if let pool = loaded?.pool { await pool.checkAll() }
        let engine = AnswerEngine(
            retriever: wrap(context.retriever), generator: loaded?.backend,
            template: try PromptTemplate.load(template), cache: cache,
            reader: reader,
            defaultStyle: style, countTokens: { prompt in loaded?.countTokens(prompt) ?? 0 })
        var options = AskOptions()
        options.search = search.with(mode: context.mode)
        options.parameters = parameters
        options.style = style
        options.keepUnsupported = keepUnsupported
        options.pruneContext = !noPruneContext
        options.readerPassages = readerPassages
        options.readerRankPenalty = Float(readerRankPenalty)
        options.readerMinScore = Float(readerMinScore)
        options.readerGeneratorWeight = Float(readerGeneratorWeight)
        options.useCache = cache != nil
        options.selection.minRelevance = minRelevance
        options.cacheContext = AnswerCacheKey(mode: context.mode, filter: filter, encoderID: context.encoderID,
                                              generatorName: loaded?.name, contextLength: contextLength).context
        return (engine, options)
    }
}
