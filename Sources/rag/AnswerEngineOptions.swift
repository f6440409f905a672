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
import Store

struct AnswerEngineOptions: ParsableArguments {
    @Option(help: "Retrieval mode: dense, keyword or hybrid (keyword when the index has no vectors).") var mode: SearchMode = .hybrid
    @Option(help: "Only chunks matching this condition (repeatable): path:GLOB, format:NAME, heading:TEXT, after:DATE, before:DATE.") var filter: [String] = []
    @Option(name: .short, help: "How many chunks to retrieve.") var k: Int = 5
    @Option(help: "Prompt template: a built-in name (default, concise) or a .mustache file.") var template: String?
    @Option(help: "short: a span copied from the documents, then the sentence it stands on (default with the local generator); free: the generator's own words, each sentence checked against the context (default with openai: generators); extractive: the best-matching sentences, quoted.") var style: AnswerStyle?
    @Flag(help: "Alias of --style extractive.") var extractive = false
    @Option(help: "--style short: how many of the top chunks the span reader reads.") var readerPassages = AskOptions().readerPassages
    @Option(help: "--style short: score subtracted from a span per rank of its chunk (retrieval's order as a prior).") var readerRankPenalty = Double(AskOptions().readerRankPenalty)
    @Option(help: "--style short: weight of the generator's likelihood of each of the best spans (0: the reader alone; loads the generator).") var readerGeneratorWeight = Double(AskOptions().readerGeneratorWeight)
    @Flag(help: "--style free: give the generator whole chunks, not the sentences of each that bear on the question.") var noPruneContext = false
    @Flag(help: "--style free: keep sentences the support check flags as unsupported (they are listed either way).") var keepUnsupported = false
    @Flag(help: "Turn the generator's prompt-prefix KV cache off.") var noPrefixCache = false
    @Option(help: "Chunks less similar than this to the question (cosine) are not used.") var minRelevance: Double = SelectionOptions().minRelevance
    @Option(help: "Generator context window in tokens.") var contextLength: Int = 2048
    @Option(help: "Generator threads (default: all cores, adapted to free ones).") var threads: Int?
    @Option(name: .customLong("generator"), help: "local, or openai:URL[,URL…]: OpenAI-compatible servers, the least busy healthy one per request.") var generatorChoice = "local"
    @Option(help: "Model name sent to openai: backends.") var generatorModel = "smollm2-135m-instruct"
    @Option(help: "Bearer key sent to openai: backends (env RAG_GENERATOR_API_KEY).") var generatorApiKey: String?
    @OptionGroup var generation: GenerationOptions
    @OptionGroup var queryEncoding: QueryEncodingOptions

    func validate() throws {
        guard contextLength >= 256 && contextLength <= 8192 else { throw ValidationError("--context-length must be between 256 and 8192") }
        do { _ = try GeneratorChoice(parsing: generatorChoice) } catch let e as RAGError { throw ValidationError(e.message) }
        guard (1...AskOptions.maxK).contains(readerPassages) else { throw ValidationError("--reader-passages must be between 1 and \(AskOptions.maxK)") }
        guard readerGeneratorWeight.isFinite && readerGeneratorWeight >= 0 else { throw ValidationError("--reader-generator-weight must be a number ≥ 0") }
        guard readerRankPenalty.isFinite && readerRankPenalty >= 0 else { throw ValidationError("--reader-rank-penalty must be a number ≥ 0") }
        if extractive, let style, style != .extractive { throw ValidationError("--extractive contradicts --style \(style.rawValue)") }
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
        let encoder = context.retriever.embedder
        let reader = chosenStyle == .short
            ? try SpanReader.load(modelsDirectory: modelOptions.directory, reusing: (encoder as? QueryEncoder)?.base ?? encoder) : nil
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
        options.readerGeneratorWeight = Float(readerGeneratorWeight)
        options.useCache = cache != nil
        options.selection.minRelevance = minRelevance
        options.cacheContext = AnswerCacheKey(mode: context.mode, filter: filter, encoderID: context.encoderID,
                                              generatorName: loaded?.name, contextLength: contextLength).context
        return (engine, options)
    }
}
