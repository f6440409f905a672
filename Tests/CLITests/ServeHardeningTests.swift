/// `rag serve` refuses what a hostile web page or network peer could send: other Host names (DNS rebinding),
/// non-JSON posts (cross-site forms), deeply nested JSON, and a bind beyond loopback without a key.
import Foundation
import RAGCore
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

    /// A client that sends its headers and then trickles (here: stalls) its body is cut off by the request
    /// deadline, which starts when the request arrives, not when the body is in.
    @Test func aStalledBodyIsAnsweredWithTimeout() async throws {
        let server = try await ServerProcess.start(["--index", Self.index, "--request-timeout", "1"])
        defer { server.stop() }
        let script = """
            exec 3<>/dev/tcp/127.0.0.1/\(server.port)
            printf 'POST /v1/search HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nContent-Type: application/json\\r\\nContent-Length: 100\\r\\n\\r\\n{"query":' >&3
            timeout 20 head -c 400 <&3
            """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = ["-c", script]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let response = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(response.hasPrefix("HTTP/1.1 504") && response.contains("\"timeout\""), "\(response)")
        #expect(try await server.get("/healthz").status == 200)
    }

    /// Feedback comments come from the network: `rag feedback` prints their control characters as visible escapes.
    @Test func feedbackListingNeutralisesTerminalEscapes() async throws {
        let dir = try CLI.temporaryDirectory("feedback-escapes")
        let index = dir.appendingPathComponent("i.sqlite").path
        try FileManager.default.copyItem(atPath: Self.index, toPath: index)
        let server = try await ServerProcess.start(["--index", index])
        let ask = try await server.post("/v1/ask", json: ["question": "How do I run the tests?", "extractive": true])
        let id = try #require(ask.json?["id"] as? String, "\(ask.text)")
        let hostile = "fine\u{1B}]0;pwned\u{07}\u{1B}[2J\u{202E}reversed"
        #expect(try await server.post("/v1/feedback", json: ["answer_id": id, "rating": -1, "comment": hostile]).status == 201)
        server.stop()
        let listed = try CLI.run(["feedback", "--index", index])
        #expect(listed.status == 0)
        #expect(!listed.stdout.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 || $0.value == 0x202E })
        #expect(listed.stdout.contains("fine\\u{1b}]0;pwned\\u{7}"), "\(listed.stdout)")
    }

    /// `rag ingest` of hundreds of files into the index a running server uses: every search and ask meanwhile is
    /// answered, or refused with 503 and Retry-After; never a 500 (the ingest's write lock used to fail the
    /// server's own writes after 10 s).
    @Test func ingestIntoTheServedIndexNeverCausesServerErrors() async throws {
        let dir = try CLI.temporaryDirectory("ingest-while-serving")
        let index = dir.appendingPathComponent("i.sqlite").path
        try FileManager.default.copyItem(atPath: Self.index, toPath: index)
        let docs = dir.appendingPathComponent("docs")
        try FileManager.default.createDirectory(at: docs, withIntermediateDirectories: true)
        for i in 0..<300 {
            try "# Note \(i)\n\nThe wombat number \(i) digs burrows in the hills and sleeps through the day. It eats grass \(i).\n"
                .write(to: docs.appendingPathComponent("n\(i).md"), atomically: true, encoding: .utf8)
        }
        let server = try await ServerProcess.start(["--index", index])
        defer { server.stop() }
        let ingest = try CLI.start(["ingest", docs.path, "--index", index])
        var statuses: [Int: Int] = [:]
        var missingRetryAfter = 0
        var searchSeconds: [Double] = []
        var round = 0
        while ingest.isRunning || round < 5 {
            round += 1
            let t = ContinuousClock.now
            let search = try await server.post("/v1/search", json: ["query": "wombat burrows \(round)", "k": 3])
            searchSeconds.append((ContinuousClock.now - t).seconds)
            let ask = try await server.post("/v1/ask", json: ["question": "What does wombat \(round) eat?", "extractive": true])
            for r in [search, ask] {
                statuses[r.status, default: 0] += 1
                if r.status == 503 && r.header("retry-after") == nil { missingRetryAfter += 1 }
            }
            if round > 2000 { break }
        }
        ingest.waitUntilExit()
        #expect(ingest.terminationStatus == 0)
        #expect(statuses.keys.allSatisfy { $0 == 200 || $0 == 503 }, "\(statuses)")
        #expect(missingRetryAfter == 0)
        #expect((statuses[200] ?? 0) > 0)
        let sorted = searchSeconds.sorted()
        let p99 = sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.99))]
        print("ingest while serving: \(round) rounds, statuses \(statuses), search p99 \(String(format: "%.1f", p99 * 1000)) ms")
        // After the ingest, the new documents are found.
        let found = try await server.post("/v1/search", json: ["query": "wombat number 299 burrows", "k": 3, "mode": "keyword"])
        #expect((found.json?["results"] as? [[String: Any]])?.isEmpty == false)
    }

    /// /readyz needs no key; without it, it names no directory (with the key, the whole path).
    @Test func readinessWithoutTheKeyNamesNoDirectory() async throws {
        let server = try await ServerProcess.start(["--index", Self.index, "--api-key", "k3y"], apiKey: "k3y")
        defer { server.stop() }
        let open = try await server.client.fetch("GET", server.endpoint, path: "/readyz")
        #expect(open.status == 200)
        let index = try #require(open.json?["index"] as? String)
        #expect(!index.contains("/") && Self.index.hasSuffix(index), "\(open.text)")
        let keyed = try await server.get("/readyz")
        #expect(keyed.json?["index"] as? String == Self.index)
    }

    /// A large /v1/embeddings request is embedded in slices: searches sent meanwhile are answered, and a burst of
    /// large requests beyond the embeddings queue gets 503 with Retry-After instead of waiting without bound.
    @Test func largeEmbeddingRequestsAreBoundedAndDoNotStarveSearch() async throws {
        let server = try await ServerProcess.start(["--index", Self.index])
        defer { server.stop() }
        let inputs = (0..<512).map { "sentence number \($0) about wombats, okapis and the models folder" }
        let burst = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
            for _ in 0..<8 {
                group.addTask {
                    let r = try await server.post("/v1/embeddings", json: ["input": inputs, "model": "all-minilm-l6-v2"])
                    return (r.status, r.header("retry-after"))
                }
            }
            group.addTask {
                try await Task.sleep(for: .milliseconds(300))
                let r = try await server.post("/v1/search", json: ["query": "okapi", "k": 2, "mode": "dense"])
                return (r.status == 200 ? -200 : r.status, nil)
            }
            var out: [(Int, String?)] = []
            for try await r in group { out.append(r) }
            return out
        }
        #expect(burst.contains { $0.0 == -200 }, "the search during the burst failed: \(burst)")
        let embeds = burst.filter { $0.0 != -200 }
        #expect(embeds.allSatisfy { $0.0 == 200 || ($0.0 == 503 && $0.1 != nil) }, "\(embeds)")
        #expect(embeds.contains { $0.0 == 200 })
        #expect(embeds.contains { $0.0 == 503 }, "8 concurrent requests against 1 running + 4 queued: some must be refused")
    }

    /// With --max-connections 2, two idle connections take every place: a third client is not served until one of
    /// them closes (it waits in the listen backlog rather than costing the server another connection).
    @Test func connectionsBeyondTheLimitWaitUntilOneCloses() async throws {
        let server = try await ServerProcess.start(["--index", Self.index, "--max-connections", "2"])
        defer { server.stop() }
        // Two keep-alive connections, each answered once before "ready" is printed (so the server has accepted and
        // counted both: connections arriving together may be accepted in one burst), then held open for 3 s.
        let request = "printf 'GET /healthz HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\n\\r\\n'"
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/bin/bash")
        holder.arguments = ["-c", """
            exec 3<>/dev/tcp/127.0.0.1/\(server.port); \(request) >&3; read -t 20 a <&3
            exec 4<>/dev/tcp/127.0.0.1/\(server.port); \(request) >&4; read -t 20 b <&4
            echo ready; sleep 3
            """]
        let out = Pipe()
        holder.standardOutput = out
        try holder.run()
        _ = out.fileHandleForReading.availableData  // blocks until "ready"
        let t = ContinuousClock.now
        let r = try await server.get("/healthz")
        let waited = ContinuousClock.now - t
        holder.waitUntilExit()
        #expect(r.status == 200)
        #expect(waited > .seconds(2), "answered after \(waited) while both places were taken")
    }
}
