/// `rag bench http`: streamed generation through a running `rag serve` (or any OpenAI-compatible server for the
/// chat route) with N concurrent clients (the load generator is `HTTPBenchmark`).
import ArgumentParser
import Benchmarks

struct BenchHTTPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "http",
        abstract: "Streamed /v1/chat/completions or /v1/ask requests from concurrent clients; prints one JSON line.",
        discussion: "chat: plain generation (model smollm2-135m-instruct) of varied prompts, comparable with llama-server. ask: retrieval-augmented answers to the Corpus questions, answer cache off.")

    @Option(help: "Server base URL.") var url: String
    @Option(help: "chat or ask.") var route: HTTPBenchmark.Route = .chat
    @Option(help: "Concurrent clients.") var clients = 1
    @Option(help: "Requests in all.") var requests = 8
    @Option(help: "Most tokens per response.") var maxTokens = 64
    @Option(help: "Bearer key, if the server needs one.") var apiKey: String?
    @Option(help: "Questions for --route ask.") var questions = "Tests/Fixtures/corpus-questions.jsonl"
    @Option(help: "Answer style for --route ask (short, free, extractive; default: the server's).") var style: String?

    func validate() throws {
        guard clients >= 1, requests >= 1 else { throw ValidationError("--clients and --requests must be at least 1") }
    }

    func run() async throws {
        var bench = HTTPBenchmark(url: url)
        bench.route = route
        bench.clients = clients
        bench.requests = requests
        bench.maxTokens = maxTokens
        bench.apiKey = apiKey
        bench.questions = questions
        bench.style = style
        try printJSON(try await bench.run())
    }
}

extension HTTPBenchmark.Route: ExpressibleByArgument {}
