/// The flags that shape an answer (retrieval, context selection, generator, sampling), as one group, and the answer
/// engine they build, so a command that answers questions answers them as `rag ask` does.
import Answering
import ArgumentParser
import Backends
import Foundation
import RAGCore
import Retrieval
import Store

struct AnswerEngineOptions: ParsableArguments {
    @Option(help: "Retrieval mode: dense, keyword or hybrid (keyword when the index has no vectors).") var mode: SearchMode = .hybrid
    @Option(help: "Only chunks matching this condition (repeatable): path:GLOB, format:NAME, heading:TEXT, after:DATE, before:DATE.") var filter: [String] = []
    @Option(name: .short, help: "How many chunks to retrieve.") var k: Int = 5
    @Option(help: "Prompt template: a built-in name (default, concise) or a .mustache file.") var template: String?
    @Flag(help: "Answer with the best-matching sentences of the retrieved chunks, without the generator.") var extractive = false
    @Flag(help: "Turn the generator's prompt-prefix KV cache off.") var noPrefixCache = false
    @Option(help: "Chunks less similar than this to the question (cosine) are not used.") var minRelevance: Double = SelectionOptions().minRelevance
    @Option(help: "Generator context window in tokens.") var contextLength: Int = 2048
    @Option(help: "Generator threads (default: all cores, adapted to free ones).") var threads: Int?
    @Option(name: .customLong("generator"), help: "local, or openai:URL[,URL…]: OpenAI-compatible servers, the least busy healthy one per request.") var generatorChoice = "local"
    @Option(help: "Model name sent to openai: backends.") var generatorModel = "smollm2-135m-instruct"
    @Option(help: "Bearer key sent to openai: backends (env RAG_GENERATOR_API_KEY).") var generatorApiKey: String?
    @OptionGroup var generation: GenerationOptions

    func validate() throws {
        guard contextLength >= 256 && contextLength <= 8192 else { throw ValidationError("--context-length must be between 256 and 8192") }
        do { _ = try GeneratorChoice(parsing: generatorChoice) } catch let e as RAGError { throw ValidationError(e.message) }
    }

    /// The validated retrieval and sampling values (built before any file is opened, so bad flags exit 2 at once).
    func parameters() throws -> (search: SearchParameters, generation: GenerationParameters) {
        (try SearchParameters(mode: mode, k: k, filter: try ChunkFilter(parsing: filter), maxK: AskOptions.maxK),
         try generation.parameters(contextLength: contextLength))
    }

    /// The engine over `store` (its retriever passed through `wrap`, which may observe it) and the options to ask
    /// it with. The generator is loaded unless `--extractive`.
    func engine(store: IndexStore, modelOptions: ModelOptions, cache: AnswerCache?,
                wrap: (any ContextRetriever) -> any ContextRetriever = { $0 }) async throws -> (engine: AnswerEngine, options: AskOptions) {
        let (search, parameters) = try self.parameters()
        let context = try RetrieverLoader(modelOptions: modelOptions).contextRetriever(store: store, mode: mode)
        let loaded = extractive ? nil : try LoadedGenerator.load(
            try GeneratorChoice(parsing: generatorChoice), modelsDirectory: modelOptions.directory,
            contextLength: contextLength, threads: threads, backendModel: generatorModel,
            backendAPIKey: generatorApiKey ?? ProcessInfo.processInfo.environment["RAG_GENERATOR_API_KEY"].flatMap { $0.isEmpty ? nil : $0 },
            prefixCache: !noPrefixCache)
        if let pool = loaded?.pool { await pool.checkAll() }
        let engine = AnswerEngine(
            retriever: wrap(context.retriever), generator: loaded?.backend,
            template: try PromptTemplate.load(template), cache: cache,
            countTokens: { prompt in loaded?.countTokens(prompt) ?? 0 })
        var options = AskOptions()
        options.search = search.with(mode: context.mode)
        options.parameters = parameters
        options.extractive = extractive
        options.useCache = cache != nil
        options.selection.minRelevance = minRelevance
        options.cacheContext = AnswerCacheKey(mode: context.mode, filter: filter, encoderID: context.encoderID,
                                              generatorName: loaded?.name, contextLength: contextLength).context
        return (engine, options)
    }
}
