/// A small OpenAI-compatible server on 127.0.0.1 (an ephemeral port) for the pool's tests: GET /v1/models and a
/// streamed POST /v1/completions, which can be made to fail or to hold its answer until released.
import Foundation
import Hummingbird
import Logging
import NIOCore

final class FakeOpenAIServer: @unchecked Sendable {  // mutable state is guarded by `lock`
    private let lock = NSLock()
    private var healthy_ = true
    private var holding_ = false
    private var completions_ = 0
    private var held: [CheckedContinuation<Void, Never>] = []
    private var task: Task<Void, any Error>?
    private(set) var port = 0
    let reply: String

    /// Every completion streams `reply` in two pieces.
    init(reply: String) { self.reply = reply }

    var url: String { "http://127.0.0.1:\(port)" }
    var completions: Int { lock.withLock { completions_ } }
    /// Unhealthy: /v1/models and /v1/completions answer 503.
    func setHealthy(_ ok: Bool) { lock.withLock { healthy_ = ok } }
    /// Holding: completions wait before their last chunk until `releaseHeld()`.
    func setHolding(_ on: Bool) { lock.withLock { holding_ = on } }
    var heldCount: Int { lock.withLock { held.count } }
    func releaseHeld() {
        let waiting = lock.withLock { defer { held.removeAll() }; return held }
        for c in waiting { c.resume() }
    }

    private var healthy: Bool { lock.withLock { healthy_ } }

    func start() async throws {
        let router = Router()
        router.get("/v1/models") { _, _ -> Response in
            guard self.healthy else { return Response(status: .serviceUnavailable) }
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(string: #"{"object":"list","data":[{"id":"fake","object":"model"}]}"#)))
        }
        router.post("/v1/completions") { request, _ -> Response in
            _ = try await request.body.collect(upTo: 1 << 20)
            guard self.healthy else { return Response(status: .serviceUnavailable) }
            let hold = self.lock.withLock { () -> Bool in
                self.completions_ += 1
                return self.holding_
            }
            let reply = self.reply
            let half = reply.index(reply.startIndex, offsetBy: reply.count / 2)
            return Response(status: .ok, headers: [.contentType: "text/event-stream"], body: ResponseBody { writer in
                func event(_ json: String) -> ByteBuffer { ByteBuffer(string: "data: \(json)\n\n") }
                try await writer.write(event(#"{"choices":[{"index":0,"text":"\#(reply[..<half])","finish_reason":null}]}"#))
                if hold { await withCheckedContinuation { c in self.lock.withLock { self.held.append(c) } } }
                try await writer.write(event(#"{"choices":[{"index":0,"text":"\#(reply[half...])","finish_reason":"stop"}]}"#))
                try await writer.write(event(#"{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}"#))
                try await writer.write(event("[DONE]"))
                try await writer.finish(nil)
            })
        }
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in
                                  continuation.yield(channel.localAddress?.port ?? 0)
                                  continuation.finish()
                              },
                              logger: Self.quiet)
        task = Task { try await app.runService(gracefulShutdownSignals: []) }
        for await p in ports { port = p }
    }

    /// Start and shutdown notices of a dozen servers would bury the test output.
    static let quiet: Logger = {
        var l = Logger(label: "fake-openai")
        l.logLevel = .critical
        return l
    }()

    func stop() async {
        releaseHeld()
        task?.cancel()
        _ = try? await task?.value
    }
}
