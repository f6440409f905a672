/// JSON and Server-Sent Events responses, parameter parsing shared by the routes, and the request deadline.
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import RAGCore
import Retrieval

enum Reply {
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        Response(status: status, headers: [.contentType: "application/json"],
                 body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }

    static func json(object: [String: Any], status: HTTPResponse.Status = .ok) throws -> Response {
        Response(status: status, headers: [.contentType: "application/json"],
                 body: .init(byteBuffer: ByteBuffer(bytes: try data(object))))
    }

    static func data(_ object: [String: Any]) throws -> Data {
        try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    }

    /// One SSE event: an optional name and one JSON (or literal) data line.
    static func event(_ data: String, name: String? = nil) -> ByteBuffer {
        var s = ""
        if let name { s += "event: \(name)\n" }
        s += "data: \(data)\n\n"
        return ByteBuffer(string: s)
    }

    static func event(object: [String: Any], name: String? = nil) -> ByteBuffer {
        event(String(decoding: (try? data(object)) ?? Data(), as: UTF8.self), name: name)
    }

    static let sseHeaders: HTTPFields = [.contentType: "text/event-stream", .cacheControl: "no-cache",
                                         HTTPField.Name("X-Accel-Buffering")!: "no"]

    /// Runs `body` with a deadline; past it the caller gets 504 (blocking work already started runs to its end).
    static func withTimeout<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: limit)
                throw APIError(.gatewayTimeout, "timeout", "the request took longer than the server's limit of \(limit.components.seconds) s")
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }
}

extension JSONBody {
    /// Sampling fields shared by /v1/ask, /v1/chat/completions and /v1/completions, over `base`.
    func generationParameters(base: GenerationParameters, contextLength: Int) throws -> GenerationParameters {
        var p = base
        if let t = try double("temperature", in: 0...2) { p.temperature = t }
        if let k = try int("top_k", in: 0...100_000) { p.topK = k }
        if let v = try double("top_p", in: 0...1, excludingLower: true) { p.topP = v }
        if let v = try double("min_p", in: 0...1) { p.minP = v }
        if let v = try double("repeat_penalty", in: 0...10, excludingLower: true) { p.repeatPenalty = v }
        if let m = try int("max_tokens", in: 1...contextLength) { p.maxTokens = m }
        if let m = try int("max_completion_tokens", in: 1...contextLength) { p.maxTokens = m }
        if let s = try strings("stop", maxCount: 16, maxLength: 256) {
            if let empty = s.firstIndex(where: \.isEmpty) { throw APIError.invalid("stop[\(empty)]", "must not be empty") }
            p.stop = s
        }
        if let seed = try int("seed", in: 0...Int.max) { p.seed = UInt64(seed) }
        return p
    }

    func mode(default d: RetrievalMode) throws -> RetrievalMode {
        guard let s = try string("mode") else { return d }
        guard let m = RetrievalMode(rawValue: s) else {
            throw APIError.invalid("mode", "expected one of dense, keyword, hybrid, got \"\(s)\"")
        }
        return m
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
