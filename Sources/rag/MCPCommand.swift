/// `rag mcp`: the index as a Model Context Protocol server on stdin/stdout, for a local agent (editor, assistant).
import ArgumentParser
import Backends
import Foundation
import RAGCore
import Retrieval
import Server
import Settings

struct MCPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp",
        abstract: "Serve the index over the Model Context Protocol on stdin/stdout (tools search, ask, get_document, list_documents; documents as rag://doc/<id> resources).")

    @OptionGroup var indexOptions: IndexOptions
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var encoderOptions: EncoderOptions
    @OptionGroup var configOptions: ConfigOptions
    @OptionGroup var queryEncoding: QueryEncodingOptions
    @Option(name: .customLong("mode"), help: settingHelp(Setting.mode, "Default retrieval mode for search and ask.")) var modeFlag: RetrievalMode?
    @Option(name: .customShort("k"), help: settingHelp(Setting.k, "Default number of chunks for ask.")) var kFlag: Int?
    @Option(name: .customLong("template"), help: settingHelp(Setting.template)) var templateFlag: String?
    @Option(name: .customLong("generator"), help: settingHelp(Setting.generator, "local, or openai:URL[,URL…] for OpenAI-compatible servers.")) var generatorFlag: String?
    @Option(name: .customLong("generator-model"), help: settingHelp(Setting.generatorModel)) var generatorModelFlag: String?
    @Option(name: .customLong("context-length"), help: settingHelp(Setting.contextLength)) var contextLengthFlag: Int?
    @Option(name: .customLong("threads"), help: settingHelp(Setting.threads, "Local generator threads (default: all cores, adapted to free ones).")) var threadsFlag: Int?
    @Option(name: .customLong("request-timeout"), help: settingHelp(Setting.requestTimeout, "Longest a tool call may take, in seconds.")) var requestTimeoutFlag: Double?

    var mode: RetrievalMode { CLISettings.choice(Setting.mode, modeFlag) }
    var k: Int { CLISettings.int(Setting.k, kFlag) }
    var template: String? { CLISettings.current.string(Setting.template, flag: templateFlag) }
    var generator: String { CLISettings.string(Setting.generator, generatorFlag) }
    var generatorModel: String { CLISettings.string(Setting.generatorModel, generatorModelFlag) }
    var contextLength: Int { CLISettings.int(Setting.contextLength, contextLengthFlag) }
    var threads: Int? { CLISettings.current.int(Setting.threads, flag: threadsFlag) }
    var requestTimeout: Double { CLISettings.double(Setting.requestTimeout, requestTimeoutFlag) }

    func validate() throws {
        guard k >= 1 && k <= 100 else { throw ValidationError("-k must be between 1 and 100, got \(k)") }
        guard contextLength >= 256 && contextLength <= 8192 else { throw ValidationError("--context-length must be between 256 and 8192") }
        guard requestTimeout > 0 else { throw ValidationError("--request-timeout must be positive") }
        do { _ = try GeneratorChoice(parsing: generator) } catch let e as RAGError { throw ValidationError(e.message) }
    }

    func run() async throws {
        guard FileManager.default.fileExists(atPath: indexOptions.path) else {
            throw RAGError(.indexNotFound, "no index at \(indexOptions.path): run `rag ingest PATH --index \(indexOptions.path)` first")
        }
        var c = ServerConfiguration(indexPath: indexOptions.path, modelsDirectory: modelOptions.directory)
        c.queryEncoding = queryEncoding.encoding
        c.defaultMode = mode
        c.defaultK = k
        c.template = template
        c.generator = try GeneratorChoice(parsing: generator)
        c.backendModel = generatorModel
        c.backendAPIKey = ProcessInfo.processInfo.environment["RAG_GENERATOR_API_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        c.encoder = try encoderOptions.settings
        c.contextLength = contextLength
        c.threads = threads
        c.requestTimeout = .milliseconds(Int64(requestTimeout * 1000))
        try await RAGMCP.runStdio(configuration: c)
    }
}

extension MCPCommand: SettingsCommand {
    var settingsIndexPath: String? { indexOptions.path }
    func validateSettings() throws {
        try validate()
        try encoderOptions.validate()
    }
}
