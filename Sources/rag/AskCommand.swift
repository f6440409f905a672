/// `rag ask`: a grounded answer with numbered sources, streamed to the terminal as it is generated.
import Answering
import ArgumentParser
import Backends
import Encoder
import Foundation
import Generator
import RAGCore
import Retrieval
import Store

struct AskCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ask",
        abstract: "Answer a question from the indexed documents, with citations.")

    @OptionGroup var indexOptions: IndexOptions
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var encoderOptions: EncoderOptions
    @Option(help: "Retrieval mode: dense, keyword or hybrid (keyword when the index has no vectors).") var mode: SearchMode = .hybrid
    @Option(help: "Only chunks matching this condition (repeatable): path:GLOB, format:NAME, heading:TEXT, after:DATE, before:DATE.") var filter: [String] = []
    @Option(name: .short, help: "How many chunks to retrieve.") var k: Int = 5
    @Option(help: "Prompt template: a built-in name (default, concise) or a .mustache file.") var template: String?
    @Flag(help: "Answer with the best-matching sentences of the retrieved chunks, without the generator.") var extractive = false
    @Flag(help: "Do not read or write the answer cache.") var noCache = false
    @Flag(help: "Turn the generator's prompt-prefix KV cache off (it only saves time when one process answers several questions).") var noPrefixCache = false
    @Option(help: "Chunks less similar than this to the question (cosine) are not used.") var minRelevance: Double = 0.2
    @Option(help: "Generator context window in tokens.") var contextLength: Int = 2048
    @Option(help: "Generator threads (default: all cores, adapted to free ones).") var threads: Int?
    @Option(name: .customLong("generator"), help: "local, or openai:URL[,URL…]: OpenAI-compatible servers, the least busy healthy one per request.") var generatorChoice = "local"
    @Option(help: "Model name sent to openai: backends.") var generatorModel = "smollm2-135m-instruct"
    @Option(help: "Bearer key sent to openai: backends (env RAG_GENERATOR_API_KEY).") var generatorApiKey: String?
    @OptionGroup var generation: GenerationOptions
    @Flag(help: "Print one JSON object.") var json = false
    @Argument(help: "The question.") var question: String

    func validate() throws {
        guard !question.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw ValidationError("the question is empty") }
        guard contextLength >= 256 && contextLength <= 8192 else { throw ValidationError("--context-length must be between 256 and 8192") }
        do { _ = try GeneratorChoice(parsing: generatorChoice) } catch let e as RAGError { throw ValidationError(e.message) }
    }

    func run() async throws {
        // Built first, so a bad value is reported before any file is opened.
        let search = try SearchParameters(mode: mode, k: k, filter: try ChunkFilter(parsing: filter), maxK: AskOptions.maxK)
        let parameters = try generation.parameters(contextLength: contextLength)
        guard FileManager.default.fileExists(atPath: indexOptions.path) else {
            throw RAGError(.indexNotFound, "no index at \(indexOptions.path): run `rag ingest PATH --index \(indexOptions.path)` first")
        }
        // Read-write: the answer cache is written to the index.
        let store = try IndexStore(path: indexOptions.path)
        let context = try RetrieverLoader(modelOptions: modelOptions, encoderOptions: encoderOptions)
            .contextRetriever(store: store, mode: mode)
        let loaded = extractive ? nil : try LoadedGenerator.load(
            try GeneratorChoice(parsing: generatorChoice), modelsDirectory: modelOptions.directory,
            contextLength: contextLength, threads: threads, backendModel: generatorModel,
            backendAPIKey: generatorApiKey ?? ProcessInfo.processInfo.environment["RAG_GENERATOR_API_KEY"].flatMap { $0.isEmpty ? nil : $0 },
            prefixCache: !noPrefixCache)
        if let pool = loaded?.pool { await pool.checkAll() }
        let engine = AnswerEngine(
            retriever: context.retriever, generator: loaded?.backend,
            template: try PromptTemplate.load(template), cache: noCache ? nil : AnswerCache(store: store),
            countTokens: { prompt in loaded?.countTokens(prompt) ?? 0 })
        var options = AskOptions()
        options.search = search.with(mode: context.mode)
        options.parameters = parameters
        options.extractive = extractive
        options.useCache = !noCache
        options.selection.minRelevance = minRelevance
        options.cacheContext = AnswerCacheKey(mode: context.mode, filter: filter, encoderID: context.encoderID,
                                              generatorName: loaded?.name, contextLength: contextLength).context
        let streaming = !json
        let answer = try await engine.answer(question, options: options) { delta in
            if streaming {
                FileHandle.standardOutput.write(Data(delta.utf8))
            }
        }
        if json {
            try printJSON(answer)
            return
        }
        print("")
        if answer.grounded {
            print("")
            print(answer.uncited ? "Sources (given to the model, none cited):" : "Sources:")
            for s in answer.sources {
                let heading = s.headingPath.isEmpty ? "" : " — \(s.headingPath)"
                print("  [\(s.n)] \(s.path)\(heading)")
            }
            if answer.truncatedContext { print("(some retrieved context did not fit in the generator's window)") }
        }
    }
}
