/// `rag mcp`: the index as a Model Context Protocol server on stdin/stdout, for a local agent (editor, assistant).
import ArgumentParser
import Backends
import Foundation
import RAGCore
import Retrieval
import Server

struct MCPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp",
        abstract: "Serve the index over the Model Context Protocol on stdin/stdout (tools search, ask, get_document, list_documents; documents as rag://doc/<id> resources).")

    @OptionGroup var indexOptions: IndexOptions
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var encoderOptions: EncoderOptions
    @OptionGroup var queryEncoding: QueryEncodingOptions
    @Option(help: "Default retrieval mode for search and ask.") var mode: RetrievalMode = .hybrid
    @Option(name: .short, help: "Default number of chunks for ask.") var k = 5
    @Option(help: "Prompt template: a built-in name (default, concise) or a .mustache file.") var template: String?
    @Option(help: "local, or openai:URL[,URL…] for OpenAI-compatible servers.") var generator = "local"
    @Option(help: "Model name sent to openai: backends.") var generatorModel = "smollm2-135m-instruct"
    @Option(help: "Generator context window in tokens.") var contextLength = 2048
    @Option(help: "Local generator threads (default: all cores, adapted to free ones).") var threads: Int?
    @Option(help: "Longest a tool call may take, in seconds.") var requestTimeout = 120.0

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
