/// The load-balanced pool against real HTTP servers on 127.0.0.1: least-busy choice, failover past a backend that
/// is down, and the health check that puts a recovered one back.
import Foundation
import RAGCore
@testable import RemoteGeneration
import Testing

struct BackendPoolTests {
    func pool(_ urls: [String]) throws -> BackendPool {
        let client = HTTPClient(connectTimeout: .seconds(1), readTimeout: .seconds(60))
        return try BackendPool(backends: urls.map {
            try OpenAIBackend(url: $0, model: "fake", contextLength: 512, client: client, connectRetries: 0)
        })
    }

    func complete(_ pool: BackendPool) async throws -> String {
        var text = ""
        for try await event in pool.generate(GenerationRequest(prompt: .text("1, 2,"), parameters: .default)) {
            if case .finished(let summary) = event { text = summary.text }
        }
        return text
    }

    /// Polls `condition` for up to a minute (the whole suite runs beside it on two cores: the fake servers' handlers
    /// can wait seconds for a cooperative thread; nothing here measures time).
    func eventually(_ condition: @Sendable () -> Bool) async throws -> Bool {
        for _ in 0..<6000 {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }

    @Test func aRequestGoesToTheBackendWithFewestInFlight() async throws {
        let a = FakeOpenAIServer(reply: "from a"), b = FakeOpenAIServer(reply: "from b")
        try await a.start()
        try await b.start()
        defer { Task { await a.stop(); await b.stop() } }
        let pool = try pool([a.url, b.url])
        a.setHolding(true)
        b.setHolding(true)
        let first = Task { try await complete(pool) }
        #expect(try await eventually { a.heldCount + b.heldCount == 1 })
        let second = Task { try await complete(pool) }
        // The busy backend is passed over: one request each.
        #expect(try await eventually { a.heldCount == 1 && b.heldCount == 1 })
        #expect(pool.status.map(\.inFlight) == [1, 1])
        // With one released, the next request goes to it (0 in flight), not to the one still busy.
        let busy = a.heldCount == 1 ? b : a
        let freed = busy === a ? b : a
        freed.releaseHeld()
        _ = try await eventually { pool.status.map(\.inFlight).reduce(0, +) == 1 }
        let third = Task { try await complete(pool) }
        #expect(try await eventually { freed.heldCount == 1 })
        #expect(busy.heldCount == 1)
        a.releaseHeld()
        b.releaseHeld()
        let texts = Set([try await first.value, try await second.value, try await third.value])
        #expect(texts == ["from a", "from b"])
        #expect(pool.status.map(\.requests) == [a.completions, b.completions])
    }

    @Test func aBackendThatCannotBeReachedIsSkippedAndMarkedDown() async throws {
        let gone = FakeOpenAIServer(reply: "never")
        try await gone.start()
        await gone.stop()  // its port now refuses connections
        let up = FakeOpenAIServer(reply: "answer")
        try await up.start()
        defer { Task { await up.stop() } }
        let pool = try pool([gone.url, up.url])
        for _ in 0..<3 { #expect(try await complete(pool) == "answer") }
        let status = pool.status
        #expect(status[0].healthy == false)
        #expect(status[0].failures >= 1)
        #expect(status[1].healthy)
        #expect(up.completions == 3)
    }

    @Test func aFailingBackendFailsOverAndTheHealthCheckPutsItBack() async throws {
        let a = FakeOpenAIServer(reply: "from a"), b = FakeOpenAIServer(reply: "from b")
        try await a.start()
        try await b.start()
        defer { Task { await a.stop(); await b.stop() } }
        let pool = try pool([a.url, b.url])
        a.setHealthy(false)
        #expect(try await complete(pool) == "from b")  // a answered 503 first (round robin starts there)
        #expect(pool.status[0].healthy == false)
        #expect(try await complete(pool) == "from b")  // a is out: not even tried
        #expect(a.completions == 0)

        await pool.checkAll()
        #expect(pool.status[0].healthy == false, "a check while it is still failing keeps it out")
        a.setHealthy(true)
        // A check can time out while the whole suite loads both cores; it must succeed within a few rounds.
        for _ in 0..<20 where !pool.status[0].healthy { await pool.checkAll() }
        #expect(pool.status[0].healthy)
        let texts = [try await complete(pool), try await complete(pool)]
        #expect(texts.contains("from a"))
    }

    @Test func noBackendAnsweringIsAnError() async throws {
        let a = FakeOpenAIServer(reply: "x")
        try await a.start()
        defer { Task { await a.stop() } }
        a.setHealthy(false)
        let pool = try pool([a.url])
        await #expect(throws: (any Error).self) { try await complete(pool) }
        #expect(pool.status[0].healthy == false)
    }
}
