/// A load generator for a running `rag serve` (or any OpenAI-compatible server for the chat route): N concurrent
/// clients send streamed requests; time to first token, aggregate tokens per second, errors.
import Foundation
import NIOCore
import RAGCore
import RemoteGeneration

public struct HTTPBenchmark: Sendable {
    public enum Route: String, Sendable, CaseIterable { case chat, ask }

    public var url: String
    public var route: Route = .chat
    public var clients = 1
    public var requests = 8
    public var maxTokens = 64
    public var apiKey: String?
    /// Questions file (JSONL with "question") for the ask route.
    public var questions = "Tests/Fixtures/corpus-questions.jsonl"
    /// The ask route's answer style (`free` generates from the retrieved chunks); nil: the server's default.
    public var style: String?

    public init(url: String) { self.url = url }

    public struct Result: Encodable, Sendable {
        public var route: String
        public var clients: Int
        public var requests: Int
        public var errors: Int
        public var ttftP50S: Double
        public var ttftP90S: Double
        public var requestP50S: Double
        public var completionTokens: Int
        public var wallS: Double
        public var tokensPerS: Double

        enum CodingKeys: String, CodingKey {
            case route, clients, requests, errors, completionTokens
            case ttftP50S = "ttft_p50_s", ttftP90S = "ttft_p90_s", requestP50S = "request_p50_s"
            case wallS = "wall_s", tokensPerS = "tokens_per_s"
        }
    }

    /// One request's outcome, as the clients collect them.
    struct Sample: Sendable { var ok: Bool; var ttft: Double; var total: Double; var tokens: Int }

    /// The prompts: the questions file's questions for ask, varied paragraph requests for chat.
    func prompts() throws -> [String] {
        guard route == .ask else {
            let topics = ["rivers", "libraries", "bicycles", "volcanoes", "chess", "bread", "comets", "gardens", "bridges", "owls"]
            return topics.map { "Write a short paragraph about \($0)." }
        }
        var prompts: [String] = []
        for line in try String(contentsOfFile: questions, encoding: .utf8).split(separator: "\n") {
            if let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], let q = o["question"] as? String { prompts.append(q) }
        }
        return prompts
    }

    public func run() async throws -> Result {
        guard clients >= 1, requests >= 1 else { throw RAGError(.invalidInput, "clients and requests must be at least 1") }
        let endpoint = try HTTPEndpoint(url)
        let prompts = try prompts()
        let bodies: [[UInt8]] = try (0..<requests).map { i in
            var o: [String: Any]
            if route == .ask {
                o = ["question": prompts[i % prompts.count], "stream": true, "max_tokens": maxTokens, "cache": false]
                if let style { o["style"] = style }
            } else {
                // Greedy on every server: llama-server's default is 0.8 with its sampler chain, ours 0.
                o = ["model": "smollm2-135m-instruct", "stream": true, "max_tokens": maxTokens, "stream_options": ["include_usage": true],
                     "temperature": 0, "messages": [["role": "user", "content": prompts[i % prompts.count]]]]
            }
            return Array(try JSONSerialization.data(withJSONObject: o))
        }
        let path = route == .ask ? "/v1/ask" : "/v1/chat/completions"
        var headers = [("Content-Type", "application/json")]
        if let apiKey { headers.append(("Authorization", "Bearer \(apiKey)")) }
        let client = HTTPClient(connectTimeout: .seconds(5), readTimeout: .seconds(300))
        let next = WorkCounter()
        let ask = route == .ask
        let start = ContinuousClock.now
        let samples = try await withThrowingTaskGroup(of: [Sample].self) { group in
            for _ in 0..<clients {
                group.addTask { [headers] in
                    var out: [Sample] = []
                    while let i = next.take(below: bodies.count) {
                        out.append(await Self.one(client, endpoint, path, headers, bodies[i], ask: ask))
                    }
                    return out
                }
            }
            var all: [Sample] = []
            for try await s in group { all += s }
            return all
        }
        let wallS = (ContinuousClock.now - start).seconds
        let ok = samples.filter(\.ok)
        let tokens = ok.reduce(0) { $0 + $1.tokens }
        return Result(route: route.rawValue, clients: clients, requests: requests, errors: samples.count - ok.count,
                      ttftP50S: OrderStatistics.quantile(ok.map(\.ttft), 0.5),
                      ttftP90S: OrderStatistics.quantile(ok.map(\.ttft), 0.9),
                      requestP50S: OrderStatistics.quantile(ok.map(\.total), 0.5), completionTokens: tokens,
                      wallS: wallS, tokensPerS: wallS > 0 ? Double(tokens) / wallS : 0)
    }

    /// One streamed request: the first text delta's time, the whole time, and the completion tokens reported.
    static func one(_ client: HTTPClient, _ endpoint: HTTPEndpoint, _ path: String, _ headers: [(String, String)],
                    _ body: [UInt8], ask: Bool) async -> Sample {
        let t0 = ContinuousClock.now
        let probe = StreamProbe()
        do {
            try await client.stream("POST", endpoint, path: path, headers: headers, body: body,
                                    onHead: { status, _ in probe.setStatus(status) },
                                    onBody: { buffer in probe.feed(Array(buffer.readableBytesView), since: t0, ask: ask) })
        } catch {
            return Sample(ok: false, ttft: 0, total: 0, tokens: 0)
        }
        return probe.sample(total: (ContinuousClock.now - t0).seconds)
    }
}
