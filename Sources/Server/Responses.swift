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
    /// Sampling fields shared by /v1/ask, /v1/chat/completions and /v1/completions, over `base`: the body gives the
    /// JSON types, `GenerationParameters` checks the values (one rule, `invalid_field` naming the field).
    func generationParameters(base: GenerationParameters, contextLength: Int) throws -> GenerationParameters {
        let seed = try int("seed", in: 0...Int.max).map { UInt64($0) }
        return try base.with(temperature: try number("temperature"), topK: try integer("top_k"), topP: try number("top_p"),
                             minP: try number("min_p"), repeatPenalty: try number("repeat_penalty"),
                             maxTokens: try integer("max_completion_tokens") ?? integer("max_tokens"),
                             stop: try strings("stop", maxCount: 16, maxLength: 256), seed: seed.map { .some($0) },
                             contextLength: contextLength)
    }

    func mode(default d: RetrievalMode) throws -> RetrievalMode {
        guard let s = try string("mode") else { return d }
        guard let m = RetrievalMode(rawValue: s) else {
            throw APIError.invalid("mode", "expected one of dense, keyword, hybrid, got \"\(s)\"")
        }
        return m
    }
}
