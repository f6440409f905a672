/// `rag ask`: a grounded answer with numbered sources, streamed to the terminal as it is generated.
import Answering
import ArgumentParser
import Encoder
import Foundation
import Generator
import RAGCore
import Retrieval
import Server
import Store

/// Generation flags shared by `ask` and `generate`-like commands; the names match the JSON fields.
struct GenerationOptions: ParsableArguments {
    @Option(help: "Sampling temperature; 0 is greedy.") var temperature: Double = 0
    @Option(name: .customLong("top-k"), help: "Keep the k most likely tokens; 0 is off.") var topK: Int = 40
    @Option(name: .customLong("top-p"), help: "Nucleus sampling mass in (0, 1].") var topP: Double = 0.95
    @Option(name: .customLong("min-p"), help: "Drop tokens below this share of the best one's probability.") var minP: Double = 0.05
    @Option(help: "Penalty for repeating recent tokens; 1 is off.") var repeatPenalty: Double = 1.1
    @Option(help: "Most tokens to generate.") var maxTokens: Int = 256
    @Option(help: "Stop when this text appears (repeatable).") var stop: [String] = []
    @Option(help: "Random seed: the same seed gives the same answer.") var seed: UInt64?

    func validate() throws {
        guard temperature >= 0 else { throw ValidationError("--temperature must be at least 0, got \(temperature)") }
        guard topK >= 0 else { throw ValidationError("--top-k must be at least 0, got \(topK)") }
        guard topP > 0 && topP <= 1 else { throw ValidationError("--top-p must be in (0, 1], got \(topP)") }
        guard minP >= 0 && minP <= 1 else { throw ValidationError("--min-p must be in [0, 1], got \(minP)") }
        guard repeatPenalty > 0 else { throw ValidationError("--repeat-penalty must be greater than 0, got \(repeatPenalty)") }
        guard maxTokens >= 1 else { throw ValidationError("--max-tokens must be at least 1, got \(maxTokens)") }
    }

    var parameters: GenerationParameters {
        GenerationParameters(temperature: temperature, topK: topK, topP: topP, minP: minP, repeatPenalty: repeatPenalty,
                             maxTokens: maxTokens, stop: stop, seed: seed)
    }
}

struct AskCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ask",
        abstract: "Answer a question from the indexed documents, with citations.")

    @OptionGroup var indexOptions: IndexOptions
    @OptionGroup var modelOptions: ModelOptions
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
        guard k >= 1 && k <= 100 else { throw ValidationError("-k must be between 1 and 100, got \(k)") }
        guard !question.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw ValidationError("the question is empty") }
        guard contextLength >= 256 && contextLength <= 8192 else { throw ValidationError("--context-length must be between 256 and 8192") }
        guard generation.maxTokens < contextLength else { throw ValidationError("--max-tokens must be less than --context-length (\(contextLength))") }
        do { _ = try ChunkFilter(parsing: filter) } catch let e as StoreError { throw ValidationError(e.message) }
        do { _ = try GeneratorChoice(parsing: generatorChoice) } catch let e as ServerError { throw ValidationError(e.message) }
    }

    func run() async throws {
        guard FileManager.default.fileExists(atPath: indexOptions.path) else {
            throw StoreError(code: "index_not_found", message: "no index at \(indexOptions.path): run `rag ingest PATH --index \(indexOptions.path)` first")
        }
        // Read-write: the answer cache is written to the index.
        let store = try IndexStore(path: indexOptions.path)
        let context = try RetrieverLoader(modelOptions: modelOptions)
            .contextRetriever(store: store, mode: mode, filter: try ChunkFilter(parsing: filter))
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
        options.k = k
        options.parameters = generation.parameters
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
