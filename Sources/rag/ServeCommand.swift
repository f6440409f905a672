/// `rag serve`: the HTTP service (see docs/openapi.json for the routes).
import ArgumentParser
import Backends
import Foundation
import RAGCore
import Retrieval
import Server
import Settings
import Store

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve search, answers and OpenAI-compatible routes over HTTP (127.0.0.1 by default).",
        discussion: "Prints \"rag serve: listening on http://HOST:PORT\" once bound (port 0 picks a free port) and \"rag serve: ready\" once the models are loaded; /readyz answers 503 until then. SIGTERM or SIGINT stops accepting connections, lets in-flight requests finish, then exits.")

    @OptionGroup var indexOptions: IndexOptions
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var encoderOptions: EncoderOptions
    @OptionGroup var configOptions: ConfigOptions
    @OptionGroup var queryEncoding: QueryEncodingOptions
    @Option(name: .customLong("host"), help: settingHelp(Setting.host)) var hostFlag: String?
    @Option(name: .customLong("allowed-host"), help: settingHelp(Setting.allowedHost)) var allowedHostsFlag: [String] = []
    @Flag(name: .customLong("insecure-no-auth"), help: settingHelp(Setting.insecureNoAuth)) var insecureNoAuthFlag = false
    @Option(name: .customLong("query-log-days"), help: settingHelp(Setting.queryLogDays)) var queryLogDaysFlag: Double?
    @Option(name: .customLong("query-log-rows"), help: settingHelp(Setting.queryLogRows)) var queryLogRowsFlag: Int?
    @Option(name: .customLong("answer-cache-rows"), help: settingHelp(Setting.answerCacheRows)) var answerCacheRowsFlag: Int?
    @Option(name: .customLong("port"), help: settingHelp(Setting.port)) var portFlag: Int?
    @Option(help: "Require Authorization: Bearer KEY on every route but /healthz, /readyz and the web page's files (env RAG_API_KEY).") var apiKey: String?
    @Option(name: .customLong("max-body-bytes"), help: settingHelp(Setting.maxBodyBytes)) var maxBodyBytesFlag: Int?
    @Option(name: .customLong("max-connections"), help: settingHelp(Setting.maxConnections)) var maxConnectionsFlag: Int?
    @Option(name: .customLong("request-timeout"), help: settingHelp(Setting.requestTimeout)) var requestTimeoutFlag: Double?
    @Option(name: .customLong("max-concurrent"), help: settingHelp(Setting.maxConcurrent)) var maxConcurrentFlag: Int?
    @Option(name: .customLong("max-queue"), help: settingHelp(Setting.maxQueue)) var maxQueueFlag: Int?
    @Option(name: .customLong("mode"), help: settingHelp(Setting.mode, "Default retrieval mode for /v1/ask and /v1/search.")) var modeFlag: RetrievalMode?
    @Option(name: .customShort("k"), help: settingHelp(Setting.k, "Default number of chunks for /v1/ask.")) var kFlag: Int?
    @Option(name: .customLong("template"), help: settingHelp(Setting.template)) var templateFlag: String?
    @Option(name: .customLong("generator"), help: settingHelp(Setting.generator)) var generatorFlag: String?
    @Option(name: .customLong("generator-model"), help: settingHelp(Setting.generatorModel)) var generatorModelFlag: String?
    @Option(name: .customLong("parallel"), help: settingHelp(Setting.parallel)) var parallelFlag: Int?
    @Option(help: "Bearer key sent to openai: backends (env RAG_GENERATOR_API_KEY).") var generatorApiKey: String?
    @Option(name: .customLong("health-interval"), help: settingHelp(Setting.healthInterval)) var healthIntervalFlag: Double?
    @Option(name: .customLong("context-length"), help: settingHelp(Setting.contextLength)) var contextLengthFlag: Int?
    @Option(name: .customLong("threads"), help: settingHelp(Setting.threads, "Local generator threads (default: all cores, adapted to free ones).")) var threadsFlag: Int?

    var host: String { CLISettings.string(Setting.host, hostFlag) }
    var allowedHosts: [String] { CLISettings.strings(Setting.allowedHost, allowedHostsFlag) }
    var insecureNoAuth: Bool { CLISettings.bool(Setting.insecureNoAuth, insecureNoAuthFlag) }
    var queryLogDays: Double { CLISettings.double(Setting.queryLogDays, queryLogDaysFlag) }
    var queryLogRows: Int { CLISettings.int(Setting.queryLogRows, queryLogRowsFlag) }
    var answerCacheRows: Int { CLISettings.int(Setting.answerCacheRows, answerCacheRowsFlag) }
    var port: Int { CLISettings.int(Setting.port, portFlag) }
    var maxBodyBytes: Int { CLISettings.int(Setting.maxBodyBytes, maxBodyBytesFlag) }
    var maxConnections: Int { CLISettings.int(Setting.maxConnections, maxConnectionsFlag) }
    var requestTimeout: Double { CLISettings.double(Setting.requestTimeout, requestTimeoutFlag) }
    var maxConcurrent: Int? { CLISettings.current.int(Setting.maxConcurrent, flag: maxConcurrentFlag) }
    var maxQueue: Int { CLISettings.int(Setting.maxQueue, maxQueueFlag) }
    var mode: RetrievalMode { CLISettings.choice(Setting.mode, modeFlag) }
    var k: Int { CLISettings.int(Setting.k, kFlag) }
    var template: String? { CLISettings.current.string(Setting.template, flag: templateFlag) }
    var generator: String { CLISettings.string(Setting.generator, generatorFlag) }
    var generatorModel: String { CLISettings.string(Setting.generatorModel, generatorModelFlag) }
    var healthInterval: Double { CLISettings.double(Setting.healthInterval, healthIntervalFlag) }
    var contextLength: Int { CLISettings.int(Setting.contextLength, contextLengthFlag) }
    var threads: Int? { CLISettings.current.int(Setting.threads, flag: threadsFlag) }
    var parallel: Int { CLISettings.int(Setting.parallel, parallelFlag) }

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
        guard (1...64).contains(parallel) else { throw ValidationError("--parallel must be between 1 and 64, got \(parallel)") }
        do { _ = try GeneratorChoice(parsing: generator) } catch let e as RAGError { throw ValidationError(e.message) }
    }

    func run() async throws {
        guard FileManager.default.fileExists(atPath: indexOptions.path) else {
            throw RAGError(.indexNotFound, "no index at \(indexOptions.path): run `rag ingest PATH --index \(indexOptions.path)` first")
        }
        var c = ServerConfiguration(indexPath: indexOptions.path, modelsDirectory: modelOptions.directory)
        c.queryEncoding = queryEncoding.encoding
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
        c.parallel = parallel
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

extension ServeCommand: SettingsCommand {
    var settingsIndexPath: String? { indexOptions.path }
    func validateSettings() throws {
        try validate()
        try encoderOptions.validate()
    }
}
