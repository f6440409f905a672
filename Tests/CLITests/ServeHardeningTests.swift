/// `rag serve` refuses what a hostile web page or network peer could send: other Host names (DNS rebinding),
/// non-JSON posts (cross-site forms), deeply nested JSON, and a bind beyond loopback without a key.
import Foundation
import RemoteGeneration
import Testing

@Suite(.serialized) struct ServeHardeningTests {
    static var index: String { AskCLITests.index }

    @Test func requestsForAnotherHostOrWithoutJSONAreRefusedAndTheServerKeepsServing() async throws {
        let server = try await ServerProcess.start(["--index", Self.index])
        defer { server.stop() }
        let query = ["query": "api key", "k": 2] as [String: Any]

        // DNS rebinding: the attacker's name in Host, as a browser sends it after the name resolved to 127.0.0.1.
        let rebound = try await server.post("/v1/search", json: query, headers: [("Host", "rebind.attacker.example:8080")])
        #expect(rebound.status == 403 && rebound.errorCode == "host_not_allowed", "\(rebound.status) \(rebound.text)")
        #expect(rebound.json?["results"] == nil)
        let readyRebound = try await server.get("/readyz", headers: [("Host", "rebind.attacker.example")])
        #expect(readyRebound.status == 403)
        // Loopback names in any form are fine; liveness answers any name.
        for host in ["localhost:\(server.port)", "127.0.0.1", "127.1.2.3:9", "[::1]:\(server.port)", "LOCALHOST"] {
            let r = try await server.post("/v1/search", json: query, headers: [("Host", host)])
            #expect(r.status == 200, "\(host): \(r.status) \(r.text)")
        }
        #expect(try await server.get("/healthz", headers: [("Host", "lb.internal")]).status == 200)

        // A cross-site form or text/plain post: 415, whatever the body.
        let body = Array(try JSONSerialization.data(withJSONObject: query))
        for type in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"] {
            let r = try await server.client.fetch("POST", server.endpoint, path: "/v1/search", headers: [("Content-Type", type)], body: body)
            #expect(r.status == 415 && r.errorCode == "unsupported_media_type", "\(type): \(r.status) \(r.text)")
        }
        let untyped = try await server.client.fetch("POST", server.endpoint, path: "/v1/search", headers: [], body: body)
        #expect(untyped.status == 415)
        let charset = try await server.client.fetch("POST", server.endpoint, path: "/v1/search",
                                                    headers: [("Content-Type", "Application/JSON; charset=utf-8")], body: body)
        #expect(charset.status == 200, "\(charset.text)")

        // Nesting past 32 levels is refused at once; /healthz answers right after.
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let nested = try await server.post("/v1/search", raw: Array("{\"query\":\"x\",\"filter\":\(deep)}".utf8))
        #expect(nested.status == 400 && nested.errorCode == "invalid_json" && nested.errorMessage?.contains("nested deeper") == true,
                "\(nested.status) \(nested.text.prefix(300))")
        #expect(try await server.get("/healthz").status == 200)
        #expect(try await server.post("/v1/search", json: query).status == 200)
    }

    @Test func anAllowedHostIsServed() async throws {
        let server = try await ServerProcess.start(["--index", Self.index, "--allowed-host", "rag.internal"])
        defer { server.stop() }
        let r = try await server.post("/v1/search", json: ["query": "models", "k": 1], headers: [("Host", "RAG.internal:443")])
        #expect(r.status == 200, "\(r.text)")
        let other = try await server.post("/v1/search", json: ["query": "models", "k": 1], headers: [("Host", "rag.internal.attacker.example")])
        #expect(other.status == 403)
    }

    @Test func bindingBeyondLoopbackWithoutAKeyIsRefused() throws {
        // `timeout` ends it if it were to serve after all, so the test fails rather than hangs.
        let r = try CLI.run(["serve", "--index", Self.index, "--host", "0.0.0.0", "--port", "0"], prefix: ["/usr/bin/timeout", "30"])
        #expect(r.status != 0 && r.status != 124)
        #expect(r.stderr.contains("--api-key") && r.stderr.contains("--insecure-no-auth"), "\(r.stderr)")
    }
}
