/// JSON and Server-Sent Events responses, parameter parsing shared by the routes, and the request deadline.
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import RAGCore
import RemoteGeneration
import Retrieval

enum Reply {
    static let encoder = JSONEncoder.snakeCase

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

    /// Runs `body` with a deadline; past it `body` is cancelled and the caller gets 504 (blocking work already
    /// started runs to its end). One watcher thread keeps every deadline: a sleeping task per request would leave
    /// its timer registered until the deadline even after cancellation — at thousands of requests a second that is
    /// hundreds of megabytes held for two minutes.
    static func withTimeout<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let task = Task { try await body() }
        let expired = Flag()
        let id = DeadlineWatcher.shared.add(deadline: ContinuousClock.now + limit) {
            expired.set()
            task.cancel()
        }
        defer { DeadlineWatcher.shared.remove(id) }
        do {
            return try await withTaskCancellationHandler { try await task.value } onCancel: { task.cancel() }
        } catch {
            if expired.value {
                throw APIError(.timeout, "the request took longer than the server's limit of \(limit.seconds) s")
            }
            throw error
        }
    }
}

/// Request deadlines, checked every 20 ms by one thread; an expired entry's action runs once, off the lock.
final class DeadlineWatcher: @unchecked Sendable {  // `entries` and `next` are guarded by `lock`
    static let shared = DeadlineWatcher()
    private let lock = NSLock()
    private var entries: [UInt64: (deadline: ContinuousClock.Instant, action: @Sendable () -> Void)] = [:]
    private var next: UInt64 = 0

    private init() {
        let thread = Thread { [unowned self] in
            while true {
                usleep(20_000)
                let now = ContinuousClock.now
                let due: [@Sendable () -> Void] = lock.withLock {
                    let ids = entries.filter { $0.value.deadline <= now }.map(\.key)
                    return ids.compactMap { entries.removeValue(forKey: $0)?.action }
                }
                for action in due { action() }
            }
        }
        thread.name = "rag-deadlines"
        thread.start()
    }

    func add(deadline: ContinuousClock.Instant, action: @escaping @Sendable () -> Void) -> UInt64 {
        lock.withLock {
            next += 1
            entries[next] = (deadline, action)
            return next
        }
    }

    func remove(_ id: UInt64) { _ = lock.withLock { entries.removeValue(forKey: id) } }
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
