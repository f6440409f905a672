/// `rag serve`: the HTTP service (see docs/openapi.json for the routes).
import ArgumentParser
import Backends
import Foundation
import RAGCore
import Retrieval
import Server
import Store

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve search, answers and OpenAI-compatible routes over HTTP (127.0.0.1 by default).",
        discussion: "Prints \"rag serve: listening on http://HOST:PORT\" once bound (port 0 picks a free port) and \"rag serve: ready\" once the models are loaded; /readyz answers 503 until then. SIGTERM or SIGINT stops accepting connections, lets in-flight requests finish, then exits.")

    @OptionGroup var indexOptions: IndexOptions
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var encoderOptions: EncoderOptions
    @Option(help: "Address to bind (a non-loopback address needs --api-key, or --insecure-no-auth).") var host = "127.0.0.1"
    @Option(name: .customLong("allowed-host"), help: "A Host name requests may use besides loopback names and the bind address (repeatable; * allows any).")
    var allowedHosts: [String] = []
    @Flag(help: "Serve on a non-loopback address without an API key.") var insecureNoAuth = false
    @Option(help: "Keep logged answers (the questions asked) at most this many days; answers with feedback stay.") var queryLogDays = 30.0
    @Option(help: "Keep at most this many logged answers, newest first.") var queryLogRows = 100_000
    @Option(help: "Keep at most this many cached answers, newest first.") var answerCacheRows = 10_000
    @Option(help: "Port (0: any free port).") var port = 8080
    @Option(help: "Require Authorization: Bearer KEY on every route but /healthz, /readyz and the web page's files (env RAG_API_KEY).") var apiKey: String?
    @Option(help: "Largest request body in bytes.") var maxBodyBytes = 1 << 20
    @Option(help: "Most connections open at once; more wait to be accepted.") var maxConnections = 512
    @Option(help: "Longest a request may take, in seconds (streamed answers included).") var requestTimeout = 120.0
    @Option(help: "Generations running at once (default: --parallel for local, 4 per backend for openai:).") var maxConcurrent: Int?
    @Option(help: "Local generator slots: sequences decoded together in one pass over the weights (default 4).") var parallel: Int?
    @Option(help: "Generations that may wait; more get 503 with Retry-After.") var maxQueue = 8
    @Option(help: "Default retrieval mode for /v1/ask and /v1/search.") var mode: RetrievalMode = .hybrid
    @Option(name: .short, help: "Default number of chunks for /v1/ask.") var k = 5
    @Option(help: "Prompt template: a built-in name (default, concise) or a .mustache file.") var template: String?
    @Option(help: "local, or openai:URL[,URL…] for OpenAI-compatible servers behind a least-busy load balancer.") var generator = "local"
    @Option(help: "Model name sent to openai: backends.") var generatorModel = "smollm2-135m-instruct"
    @Option(help: "Bearer key sent to openai: backends (env RAG_GENERATOR_API_KEY).") var generatorApiKey: String?
    @Option(help: "Seconds between health checks of generator and encoder backends.") var healthInterval = 2.0
    @Option(help: "Generator context window in tokens.") var contextLength = 2048
    @Option(help: "Local generator threads (default: all cores, adapted to free ones).") var threads: Int?

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be in 0…65535, got \(port)") }
        guard maxBodyBytes >= 1024 else { throw ValidationError("--max-body-bytes must be at least 1024") }
        guard maxConnections >= 1 else { throw ValidationError("--max-connections must be at least 1") }
        guard requestTimeout > 0 else { throw ValidationError("--request-timeout must be positive") }
        guard maxQueue >= 0 else { throw ValidationError("--max-queue must be at least 0") }
        guard k >= 1 && k <= 100 else { throw ValidationError("-k must be between 1 and 100, got \(k)") }
        guard contextLength >= 256 && contextLength <= 8192 else { throw ValidationError("--context-length must be between 256 and 8192") }
        guard healthInterval > 0 else { throw ValidationError("--health-interval must be positive") }
        if let maxConcurrent, maxConcurrent < 1 { throw ValidationError("--max-concurrent must be at least 1") }
        if let parallel, !(1...64).contains(parallel) { throw ValidationError("--parallel must be between 1 and 64") }
        do { _ = try GeneratorChoice(parsing: generator) } catch let e as RAGError { throw ValidationError(e.message) }
    }

    func run() async throws {
        guard FileManager.default.fileExists(atPath: indexOptions.path) else {
            throw RAGError(.indexNotFound, "no index at \(indexOptions.path): run `rag ingest PATH --index \(indexOptions.path)` first")
        }
        var c = ServerConfiguration(indexPath: indexOptions.path, modelsDirectory: modelOptions.directory)
        c.host = host
        c.port = port
        c.apiKey = apiKey ?? ProcessInfo.processInfo.environment["RAG_API_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        c.allowedHosts = allowedHosts
        guard queryLogDays > 0, queryLogRows >= 0, answerCacheRows >= 0 else {
            throw ValidationError("--query-log-days must be positive; --query-log-rows and --answer-cache-rows at least 0")
        }
        c.retention.queryLogDays = queryLogDays
        c.retention.queryLogRows = queryLogRows
        c.retention.answerCacheRows = answerCacheRows
        c.insecureNoAuth = insecureNoAuth
        c.maxBodyBytes = maxBodyBytes
        c.maxConnections = maxConnections
        c.requestTimeout = .milliseconds(Int64(requestTimeout * 1000))
        c.maxQueuedGenerations = maxQueue
        c.defaultMode = mode
        c.defaultK = k
        c.template = template
        c.generator = try GeneratorChoice(parsing: generator)
        c.backendModel = generatorModel
        c.backendAPIKey = generatorApiKey ?? ProcessInfo.processInfo.environment["RAG_GENERATOR_API_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        c.healthCheckInterval = .milliseconds(Int64(healthInterval * 1000))
        c.encoder = try encoderOptions.settings
        c.contextLength = contextLength
        c.threads = threads
        c.maxConcurrentGenerations = maxConcurrent  // nil: the slot count, or 4 per openai: backend
        if let parallel { c.parallel = parallel }
        if ProcessInfo.processInfo.environment["RAG_EXIT_WITH_PARENT"] == "1" {
            // For test harnesses: a server whose parent died (a crashed test run) must not outlive it.
            let parent = getppid()
            Thread.detachNewThread {
                while getppid() == parent { sleep(1) }
                Foundation.exit(3)
            }
        }
        try await RAGServer.run(configuration: c, onListening: { host, port in
            FileHandle.standardOutput.write(Data("rag serve: listening on http://\(host):\(port)\n".utf8))
        }, onReady: { error in
            if let error {
                printError("rag serve: error: start-up failed: \(error); /readyz answers 503")
            } else {
                FileHandle.standardOutput.write(Data("rag serve: ready\n".utf8))
            }
        })
    }
}
