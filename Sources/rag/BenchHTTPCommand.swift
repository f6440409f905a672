/// `rag bench http`: streamed generation through a running `rag serve` (or any OpenAI-compatible server for the
/// chat route) with N concurrent clients: time to first token, aggregate tokens per second, errors.
import ArgumentParser
import Foundation
import RAGCore
import NIOCore
import RemoteGeneration

struct BenchHTTPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "http",
        abstract: "Streamed /v1/chat/completions or /v1/ask requests from concurrent clients; prints one JSON line.",
        discussion: "chat: plain generation (model smollm2-135m-instruct) of varied prompts, comparable with llama-server. ask: retrieval-augmented answers to the Corpus questions, answer cache off.")

    enum Route: String, ExpressibleByArgument { case chat, ask }

    @Option(help: "Server base URL.") var url: String
    @Option(help: "chat or ask.") var route: Route = .chat
    @Option(help: "Concurrent clients.") var clients = 1
    @Option(help: "Requests in all.") var requests = 8
    @Option(help: "Most tokens per response.") var maxTokens = 64
    @Option(help: "Bearer key, if the server needs one.") var apiKey: String?
    @Option(help: "Questions for --route ask.") var questions = "Tests/Fixtures/corpus-questions.jsonl"

    struct Output: Encodable {
        var route: String
        var clients: Int
        var requests: Int
        var errors: Int
        var ttft_p50_s: Double
        var ttft_p90_s: Double
        var request_p50_s: Double
        var completion_tokens: Int
        var wall_s: Double
        var tokens_per_s: Double
    }

    struct Sample: Sendable { var ok: Bool; var ttft: Double; var total: Double; var tokens: Int }

    func validate() throws {
        guard clients >= 1, requests >= 1 else { throw ValidationError("--clients and --requests must be at least 1") }
    }

    func run() async throws {
        let endpoint = try HTTPEndpoint(url)
        var prompts: [String] = []
        if route == .ask {
            for line in try String(contentsOfFile: questions, encoding: .utf8).split(separator: "\n") {
                if let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], let q = o["question"] as? String { prompts.append(q) }
            }
        } else {
            let topics = ["rivers", "libraries", "bicycles", "volcanoes", "chess", "bread", "comets", "gardens", "bridges", "owls"]
            prompts = topics.map { "Write a short paragraph about \($0)." }
        }
        let bodies: [[UInt8]] = try (0..<requests).map { i in
            var o: [String: Any]
            if route == .ask {
                o = ["question": prompts[i % prompts.count], "stream": true, "max_tokens": maxTokens, "cache": false]
            } else {
                o = ["model": "smollm2-135m-instruct", "stream": true, "max_tokens": maxTokens, "stream_options": ["include_usage": true],
                     "messages": [["role": "user", "content": prompts[i % prompts.count]]]]
            }
            return Array(try JSONSerialization.data(withJSONObject: o))
        }
        let path = route == .ask ? "/v1/ask" : "/v1/chat/completions"
        var headers = [("Content-Type", "application/json")]
        if let apiKey { headers.append(("Authorization", "Bearer \(apiKey)")) }
        let client = HTTPClient(connectTimeout: .seconds(5), readTimeout: .seconds(300))
        let next = Counter()
        let start = ContinuousClock.now
        let samples = try await withThrowingTaskGroup(of: [Sample].self) { group in
            for _ in 0..<clients {
                group.addTask { [headers] in
                    var out: [Sample] = []
                    while let i = next.take(below: bodies.count) {
                        out.append(await Self.one(client, endpoint, path, headers, bodies[i], ask: route == .ask))
                    }
                    return out
                }
            }
            var all: [Sample] = []
            for try await s in group { all += s }
            return all
        }
        let wall = (ContinuousClock.now - start)
        let wallS = wall.seconds
        let ok = samples.filter(\.ok)
        func quantile(_ xs: [Double], _ q: Double) -> Double { xs.isEmpty ? 0 : xs.sorted()[min(xs.count - 1, Int(Double(xs.count) * q))] }
        let tokens = ok.reduce(0) { $0 + $1.tokens }
        try printJSON(Output(route: route.rawValue, clients: clients, requests: requests, errors: samples.count - ok.count,
                             ttft_p50_s: quantile(ok.map(\.ttft), 0.5), ttft_p90_s: quantile(ok.map(\.ttft), 0.9),
                             request_p50_s: quantile(ok.map(\.total), 0.5), completion_tokens: tokens, wall_s: wallS,
                             tokens_per_s: wallS > 0 ? Double(tokens) / wallS : 0))
    }

    /// One streamed request: the first text delta's time, the whole time, and the completion tokens reported.
    static func one(_ client: HTTPClient, _ endpoint: HTTPEndpoint, _ path: String, _ headers: [(String, String)],
                    _ body: [UInt8], ask: Bool) async -> Sample {
        let t0 = ContinuousClock.now
        let state = StreamProbe()
        do {
            try await client.stream("POST", endpoint, path: path, headers: headers, body: body,
                                    onHead: { status, _ in state.setStatus(status) },
                                    onBody: { buffer in state.feed(Array(buffer.readableBytesView), since: t0, ask: ask) })
        } catch {
            return Sample(ok: false, ttft: 0, total: 0, tokens: 0)
        }
        let total = ContinuousClock.now - t0
        return state.sample(total: total.seconds)
    }
}

final class StreamProbe: @unchecked Sendable {
    private let lock = NSLock()
    private var parser = SSEParser()
    private var status = 0
    private var ttft: Double?
    private var tokens = 0
    private var finished = false
    private var failed = false

    func setStatus(_ s: Int) { lock.withLock { status = s } }

    func feed(_ bytes: [UInt8], since t0: ContinuousClock.Instant, ask: Bool) {
        lock.withLock {
            for data in parser.feed(bytes) {
                if data == "[DONE]" { finished = true; continue }
                guard let o = try? JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any] else { failed = true; continue }
                if o["error"] != nil { failed = true }
                var text: String?
                if ask {
                    if o["type"] as? String == "delta" { text = o["text"] as? String }
                    if o["type"] as? String == "answer" {
                        finished = true
                        tokens = (o["usage"] as? [String: Any])?["completion_tokens"] as? Int ?? 0
                    }
                } else {
                    text = (((o["choices"] as? [[String: Any]])?.first)?["delta"] as? [String: Any])?["content"] as? String
                    if let u = o["usage"] as? [String: Any] { tokens = u["completion_tokens"] as? Int ?? 0 }
                }
                if let text, !text.isEmpty, ttft == nil {
                    let d = ContinuousClock.now - t0
                    ttft = d.seconds
                }
            }
        }
    }

    func sample(total: Double) -> BenchHTTPCommand.Sample {
        lock.withLock {
            BenchHTTPCommand.Sample(ok: status == 200 && finished && !failed, ttft: ttft ?? total, total: total, tokens: tokens)
        }
    }
}

/// Hands out request numbers to the clients.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func take(below limit: Int) -> Int? {
        lock.withLock {
            guard n < limit else { return nil }
            n += 1
            return n - 1
        }
    }
}
