/// A remote backend cannot mask logits: a constrained request is refused with a clear error, before any HTTP
/// request, and no backend is blamed for it.
import Foundation
import RAGCore
@testable import RemoteGeneration
import Testing

struct ConstraintRefusalTests {
    @Test func aConstrainedRequestIsRefusedNamingTheConstraint() async throws {
        let server = FakeOpenAIServer(reply: "invented")
        try await server.start()
        defer { Task { await server.stop() } }
        let backend = try OpenAIBackend(url: server.url, model: "fake", contextLength: 512, connectRetries: 0)
        let pool = try BackendPool(backends: [backend])
        let request = GenerationRequest(prompt: .text("Is it?"), constraint: .choice(["yes", "no"]))
        for b in [backend as any GenerationBackend, pool] {
            do {
                _ = try await b.complete(request)
                Issue.record("no error")
            } catch let e as RAGError {
                #expect(e.code == .invalidParameter)
                #expect(e.message.hasPrefix("constraint"))
            }
        }
        #expect(server.completions == 0)
        #expect(pool.status.map(\.healthy) == [true])
        // Unconstrained, the same pool serves it.
        #expect(try await pool.complete(GenerationRequest(prompt: .text("Is it?"))).text == "invented")
    }
}
