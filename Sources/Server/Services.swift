/// What the routes work with once start-up has loaded it: the index (a connection per concurrent request), the
/// encoder behind the micro-batcher, the generator behind the bounded queue, and the prompt template.
import Adaptation
import Answering
import Backends
import Encoder
import Foundation
import Metrics
import RAGCore
import Reader
import RemoteGeneration
import Retrieval
import Store

final class Services: @unchecked Sendable {
    let configuration: ServerConfiguration
    let encoder: BatchingEmbedder?
    /// The query side: `encoder`, or a batcher of its own over the distilled query encoder and/or the index's query
    /// adapter (`configuration.queryEncoding`). /v1/embeddings keeps `encoder`: its vectors are document vectors.
    let queryEncoder: BatchingEmbedder?
    /// The embeddings servers when `--encoder openai:…` (the encoder above batches over them).
    let remoteEncoder: RemoteEmbedder?
    let encoderName = "all-minilm-l6-v2"
    let generator: LoadedGenerator
    let template: PromptTemplate
    /// The span reader of short answers (nil without the encoder files: short answers are then refused).
    let reader: SpanReader?
    /// The style of asks that name none: short with the local generator, free with openai: backends.
    let defaultStyle: AnswerStyle
    let gate: GenerationGate
    /// /v1/embeddings requests: one embeds at a time, a few wait, the rest get 503 (a 2,048-input request used to
    /// hold the one encoder thread for seconds while searches queued behind it).
    let embeddingsGate = GenerationGate(concurrency: 1, maxQueued: 4, metricsPrefix: "rag_embeddings")
    let hasVectors: Bool
    let sharedIndex = SharedDenseIndex()
    let queryCache = QueryEmbeddingCache(capacity: 4096)
    let searchCache = SearchCache()
    /// A connection per concurrent request, each with its retriever.
    let readers: ReaderPool<Slot>
    /// Trims the logs and the answer cache now and then (they grow with every request otherwise).
    let retentionTimer: DispatchSourceTimer

    /// One connection to the index and the retriever over it.
    final class Slot: PooledReader, @unchecked Sendable {  // used by one request at a time (the pool hands it out)
        let store: IndexStore
        let retriever: Retriever
        init(store: IndexStore, retriever: Retriever) {
            self.store = store
            self.retriever = retriever
        }
    }

    init(configuration: ServerConfiguration) throws {
        self.configuration = configuration
        let store = try IndexStore(path: configuration.indexPath)
        let indexModel = try store.meta("embedding_model")
        hasVectors = indexModel != nil
        let encoderDirectory = URL(fileURLWithPath: configuration.modelsDirectory).appendingPathComponent("minilm")
        var remote: RemoteEmbedder?
        if case .openAI = configuration.encoder.choice {
            // Probed at start-up: the servers must compute the vectors the index holds.
            let loaded = try LoadedEncoder.load(configuration.encoder, modelsDirectory: configuration.modelsDirectory,
                                                precision: EncoderPrecision(modelID: indexModel), indexModel: indexModel)
            remote = loaded.remote
            encoder = BatchingEmbedder(base: loaded.embedder)
        } else if FileManager.default.fileExists(atPath: encoderDirectory.appendingPathComponent("vocab.txt").path) {
            let precision = EncoderPrecision(modelID: indexModel)
            // The batcher merges concurrent queries into one call; its workers split a big batch over the cores.
            encoder = BatchingEmbedder(base: try MiniLMEncoder(directory: encoderDirectory, precision: precision))
        } else if hasVectors {
            throw RAGError(.modelMissing, "encoder files not found in \(encoderDirectory.path): run scripts/fetch-models")
        } else {
            encoder = nil
        }
        remoteEncoder = remote
        generator = try LoadedGenerator.load(
            configuration.generator, modelsDirectory: configuration.modelsDirectory,
            contextLength: configuration.contextLength, threads: configuration.threads, parallel: configuration.parallel,
            backendModel: configuration.backendModel, backendAPIKey: configuration.backendAPIKey,
            connectTimeout: configuration.backendConnectTimeout, readTimeout: configuration.backendReadTimeout)
        template = try PromptTemplate.load(configuration.template)
        reader = try SpanReader.load(modelsDirectory: configuration.modelsDirectory)
        if case .local = configuration.generator { defaultStyle = reader != nil ? .short : .free } else { defaultStyle = .free }
        // The gate lets in as many generations as the local generator has slots (each request is decoded alongside the
        // others) or, for openai: backends, as many as those servers batch together.
        let concurrency = configuration.maxConcurrentGenerations
            ?? generator.local?.parallel ?? BackendPool.defaultConcurrencyPerBackend * (generator.pool?.status.count ?? 1)
        gate = GenerationGate(concurrency: concurrency, maxQueued: configuration.maxQueuedGenerations)
        if hasVectors, let encoder {
            let (query, notes) = try QueryEncoder.load(store: store, base: encoder.base, encoding: configuration.queryEncoding)
            for note in notes { FileHandle.standardError.write(Data("rag: warning: \(note)\n".utf8)) }
            queryEncoder = query is QueryEncoder ? BatchingEmbedder(base: query) : encoder
        } else {
            queryEncoder = nil
        }
        let embedder: (any Embedder)? = self.hasVectors ? self.queryEncoder : nil
        let queryCache = self.queryCache, sharedIndex = self.sharedIndex
        readers = ReaderPool(path: configuration.indexPath) { store in
            Self.makeSlot(store: store, embedder: embedder, queryCache: queryCache, sharedIndex: sharedIndex)
        }
        readers.add(Self.makeSlot(store: store, embedder: embedder, queryCache: queryCache, sharedIndex: sharedIndex))
        // Retention runs on its own connection, off the request path; a busy index just waits for the next round.
        let path = configuration.indexPath, retention = configuration.retention
        retentionTimer = DispatchSource.makeTimerSource(queue: .global(qos: .utility))
        retentionTimer.schedule(deadline: .now(), repeating: .milliseconds(Int(configuration.retentionInterval.seconds * 1000)))
        retentionTimer.setEventHandler {
            do {
                let removed = try IndexStore(path: path).applyRetention(retention)
                Counter(label: "rag_retention_removed_rows_total").increment(by: removed.queryLog + removed.feedback + removed.answerCache)
            } catch {
                Counter(label: "rag_retention_failures_total").increment()
            }
        }
        retentionTimer.resume()
        if let pool = generator.pool {
            pool.startHealthChecks(interval: configuration.healthCheckInterval)
        } else {
            Gauge(label: "rag_backend_healthy", dimensions: [("backend", "local")]).record(1)
        }
        remoteEncoder?.pool.startHealthChecks(interval: configuration.healthCheckInterval)
    }

    static func makeSlot(store: IndexStore, embedder: (any Embedder)?, queryCache: QueryEmbeddingCache,
                         sharedIndex: SharedDenseIndex) -> Slot {
        var options = RetrievalOptions()
        options.threads = 1  // requests run side by side; one scan thread each
        let retriever = Retriever(store: store, embedder: embedder, options: options, cache: queryCache, sharedIndex: sharedIndex)
        return Slot(store: store, retriever: retriever)
    }

    /// Runs `body` with a connection of its own.
    func withSlot<T>(_ body: (Slot) async throws -> T) async throws -> T { try await readers.withReader(body) }
    func takeSlot() throws -> Slot { try readers.take() }
    func putSlot(_ slot: Slot) { readers.put(slot) }

    /// The answer engine over `slot` for one request's mode and filter.
    /// An answer engine over `slot`; each question's mode (keyword when the index has no vectors), k, filter and
    /// nprobe come with its `AskOptions.search`.
    func engine(slot: Slot, useCache: Bool = true) -> AnswerEngine {
        let retriever = SearchContextRetriever(retriever: slot.retriever)
        return AnswerEngine(retriever: retriever, generator: generator.backend, template: template,
                            cache: useCache ? AnswerCache(store: slot.store) : nil, reader: reader, defaultStyle: defaultStyle,
                            countTokens: generator.countTokens)
    }

    /// The answer-cache key context, built by the same type as `rag ask`'s (the two share one cache).
    func cacheContext(mode: RetrievalMode, filter: [String]) -> [String: String] {
        AnswerCacheKey(mode: mode, filter: filter, encoderID: hasVectors ? queryEncoder?.queryCacheID : nil, generatorName: generator.name,
                       contextLength: configuration.contextLength).context
    }

    /// Embeds `query` through the micro-batcher into the query cache, so the retriever's synchronous look-up that
    /// follows is a cache hit (concurrent requests then share encoder calls).
    func prepareQuery(_ query: String, mode: RetrievalMode) async throws {
        guard hasVectors, mode != .keyword, let encoder = queryEncoder else { return }
        let cached = queryCache.contains(model: encoder.queryCacheID, text: query)
        Counter(label: "rag_cache_requests_total", dimensions: [("cache", "query_embedding"), ("result", cached ? "hit" : "miss")]).increment()
        if cached { return }
        let t = ContinuousClock.now
        guard let v = try await encoder.embedAsync([query]).first else { return }
        Timer(label: "rag_stage_duration_seconds", dimensions: [("stage", "embed")]).recordInterval(since: t)
        queryCache.put(model: encoder.queryCacheID, text: query, vector: v)
    }

    /// Blocking work (SQLite, the encoder) off the cooperative thread pool.
    static func offload<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { c in
            DispatchQueue.global().async {
                c.resume(with: Result { try body() })
            }
        }
    }
}

/// Server-wide readiness: routes that need the models answer 503 until start-up has loaded them.
final class ServiceState: @unchecked Sendable {  // guarded by `lock`
    private let lock = NSLock()
    private var services: Services?
    private var failure: String?
    let started = Date()

    func set(_ s: Services) { lock.withLock { services = s } }
    func fail(_ message: String) { lock.withLock { failure = message } }

    var current: Services? { lock.withLock { services } }
    var loadFailure: String? { lock.withLock { failure } }

    func ready() throws -> Services {
        try lock.withLock {
            if let services { return services }
            if let failure { throw APIError(.notReady, "start-up failed: \(failure)") }
            throw APIError(.notReady, "the server is still loading its models and index", headers: [.retryAfter: "1"])
        }
    }
}
