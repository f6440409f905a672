import RAGCore
import Foundation
import RAGCore
import RemoteGeneration
import Store
import Testing

/// `rag serve` as a real process on loopback, called over HTTP: the real index, encoder and generator.
@Suite(.serialized) struct ServeCLITests {
    static var index: String { AskCLITests.index }

    @Test func searchAndAskOverHTTPIncludingStreaming() async throws {
        let server = try await ServerProcess.start(["--index", Self.index])
        defer { server.stop() }
        #expect(try await server.get("/healthz").json?["status"] as? String == "ok")
        let ready = try #require(try await server.get("/readyz").json)
        #expect(ready["status"] as? String == "ready" && (ready["chunks"] as? Int ?? 0) > 100)

        let search = try await server.post("/v1/search", json: ["query": "which Debian packages are installed", "k": 3, "mode": "hybrid"])
        #expect(search.status == 200, "\(search.text)")
        let results = try #require(search.json?["results"] as? [[String: Any]])
        #expect(results.count == 3)
        #expect(search.json?["nprobe_not_used"] == nil, "no nprobe asked, no note")
        // The test index is far below the IVF threshold: the planner searches flat, and says nprobe was not used.
        let probed = try await server.post("/v1/search", json: ["query": "which Debian packages are installed", "k": 3, "nprobe": 4])
        #expect(probed.status == 200, "\(probed.text)")
        #expect((probed.json?["nprobe_not_used"] as? String)?.hasPrefix("nprobe 4 not used: the flat index") == true, "\(probed.text)")
        for (i, r) in results.enumerated() {
            #expect(Set(r.keys) == ["rank", "score", "path", "heading_path", "text", "chunk_id"])
            #expect(r["rank"] as? Int == i + 1)
            #expect(FileManager.default.fileExists(atPath: r["path"] as? String ?? ""))
        }
        // Keyword and filtered searches go through the same route.
        let filtered = try await server.post("/v1/search", json: ["query": "models", "mode": "keyword", "filter": ["path:*.md"]])
        let paths = (filtered.json?["results"] as? [[String: Any]] ?? []).compactMap { $0["path"] as? String }
        #expect(!paths.isEmpty && paths.allSatisfy { $0.hasSuffix(".md") }, "\(paths)")

        // /v1/ask returns the object `rag ask --json` prints.
        let ask = try await server.post("/v1/ask", json: ["question": "How do I fetch the models?", "max_tokens": 24, "k": 4, "style": "free"])
        #expect(ask.status == 200, "\(ask.text)")
        let answer = try #require(ask.json)
        for key in ["id", "answer", "citations", "sources", "usage", "timings", "truncated_context"] { #expect(answer[key] != nil, "\(key)") }
        #expect(answer["grounded"] as? Bool == true)
        let sources = try #require(answer["sources"] as? [[String: Any]])
        #expect(!sources.isEmpty && sources.allSatisfy { FileManager.default.fileExists(atPath: $0["path"] as? String ?? "") })
        #expect(((answer["usage"] as? [String: Any])?["completion_tokens"] as? Int ?? 0) > 0)

        // Streaming: deltas, then one answer event whose text is the deltas joined.
        let streamed = try await server.stream("/v1/ask", json: ["question": "What does rag ingest do?", "max_tokens": 24, "stream": true, "style": "free"])
        #expect(streamed.status == 200 && streamed.contentType?.hasPrefix("text/event-stream") == true)
        let events = streamed.events.compactMap(jsonObject)
        let deltas = events.filter { $0["type"] as? String == "delta" }.compactMap { $0["text"] as? String }
        let final = try #require(events.last)
        #expect(final["type"] as? String == "answer", "\(streamed.events.suffix(2))")
        #expect(deltas.count > 1)
        #expect(deltas.joined().trimmingCharacters(in: .whitespaces) == final["answer"] as? String)
        #expect(final["citations"] is [Any] && final["usage"] is [String: Any])
    }

    @Test func openAICompatibleRoutes() async throws {
        let server = try await ServerProcess.start(["--index", Self.index])
        defer { server.stop() }
        let models = try #require(try await server.get("/v1/models").json?["data"] as? [[String: Any]])
        #expect(Set(models.compactMap { $0["id"] as? String }).isSuperset(of: ["rag", "smollm2-135m-instruct", "all-minilm-l6-v2"]))

        // Plain generation: the stream's pieces equal the whole (greedy), and it ends with [DONE].
        let request: [String: Any] = ["model": "smollm2-135m-instruct", "max_tokens": 12,
                                      "messages": [["role": "user", "content": "Name three colours."]]]
        let whole = try await server.post("/v1/chat/completions", json: request)
        #expect(whole.status == 200, "\(whole.text)")
        let w = try #require(whole.json)
        #expect(w["object"] as? String == "chat.completion")
        let choice = try #require((w["choices"] as? [[String: Any]])?.first)
        let text = try #require((choice["message"] as? [String: Any])?["content"] as? String)
        #expect(!text.isEmpty && ["stop", "length"].contains(choice["finish_reason"] as? String ?? ""))
        #expect((w["usage"] as? [String: Any])?["completion_tokens"] as? Int ?? 0 > 0)

        var streamRequest = request
        streamRequest["stream"] = true
        streamRequest["stream_options"] = ["include_usage": true]
        let s = try await server.stream("/v1/chat/completions", json: streamRequest)
        #expect(s.events.last == "[DONE]")
        let chunks = s.events.dropLast().compactMap(jsonObject)
        #expect(chunks.allSatisfy { $0["object"] as? String == "chat.completion.chunk" })
        let pieces = chunks.compactMap { (($0["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any])?["content"] as? String }
        #expect(pieces.joined() == text)
        #expect(chunks.last?["usage"] is [String: Any])

        // Model "rag": retrieval-augmented, with the sources alongside OpenAI's fields.
        let rag = try await server.post("/v1/chat/completions", json: [
            "model": "rag", "max_tokens": 16, "messages": [["role": "user", "content": "Where do index files live?"]]])
        #expect(rag.status == 200, "\(rag.text)")
        let extra = try #require(rag.json?["rag"] as? [String: Any])
        #expect((extra["sources"] as? [[String: Any]])?.isEmpty == false && extra["answer_id"] is String)

        // Raw-text completions (what another rag's backend pool sends for raw prompts).
        let completion = try await server.post("/v1/completions", json: ["prompt": "<|im_start|>user\nSay hello<|im_end|>\n<|im_start|>assistant\n", "max_tokens": 6])
        #expect(completion.status == 200 && completion.json?["object"] as? String == "text_completion", "\(completion.text)")

        // Embeddings: unit vectors of 384 dimensions; a text embedded alone or in a batch gets the same vector.
        let e = try await server.post("/v1/embeddings", json: ["input": ["local retrieval", "SQLite index", "local retrieval"]])
        #expect(e.status == 200, "\(e.text)")
        let vectors = try #require((e.json?["data"] as? [[String: Any]])?.compactMap { $0["embedding"] as? [Double] })
        #expect(vectors.count == 3 && vectors.allSatisfy { $0.count == 384 })
        #expect(abs(vectors[0].reduce(0) { $0 + $1 * $1 } - 1) < 1e-4)
        let single = try #require((try await server.post("/v1/embeddings", json: ["input": "local retrieval"]).json?["data"] as? [[String: Any]])?.first?["embedding"] as? [Double])
        #expect(zip(single, vectors[0]).allSatisfy { abs($0 - $1) < 1e-5 })
        #expect(zip(vectors[0], vectors[2]).allSatisfy { abs($0 - $1) < 1e-5 })
    }

    @Test func feedbackIsStoredAndListed() async throws {
        let dir = try CLI.temporaryDirectory("feedback")
        let index = dir.appendingPathComponent("i.sqlite").path
        try FileManager.default.copyItem(atPath: Self.index, toPath: index)
        let server = try await ServerProcess.start(["--index", index])
        let ask = try await server.post("/v1/ask", json: ["question": "How do I run the tests?", "extractive": true])
        let id = try #require(ask.json?["id"] as? String, "\(ask.text)")
        let good = try await server.post("/v1/feedback", json: ["answer_id": id, "rating": 1, "comment": "cited the right page"])
        #expect(good.status == 201, "\(good.text)")
        #expect(good.json?["answer_id"] as? String == id && good.json?["rating"] as? Int == 1)
        let unknown = try await server.post("/v1/feedback", json: ["answer_id": "no-such-answer", "rating": -1])
        #expect(unknown.status == 404 && unknown.errorCode == "answer_not_found")
        let bad = try await server.post("/v1/feedback", json: ["answer_id": id, "rating": 5])
        #expect(bad.status == 400 && bad.errorMessage?.hasPrefix("rating:") == true)
        server.stop()
        let listed = try CLI.run(["feedback", "--index", index, "--json"])
        #expect(listed.status == 0, "\(listed.stderr)")
        let record = try #require(listed.json)
        #expect(record["answer_id"] as? String == id && record["question"] as? String == "How do I run the tests?")
        #expect(record["comment"] as? String == "cited the right page")
    }

    @Test func badRequestsGetJSONErrorsAndTheServerKeepsServing() async throws {
        let server = try await ServerProcess.start(["--index", Self.index, "--api-key", "s3cret"], apiKey: "s3cret")
        defer { server.stop() }
        func expectError(_ r: HTTPResult, _ status: Int, _ code: String, _ what: String) {
            #expect(r.status == status, "\(what): \(r.status) \(r.text)")
            #expect(r.errorCode == code, "\(what): \(r.text)")
            #expect(r.errorMessage?.isEmpty == false, "\(what)")
            #expect(r.header("content-type")?.hasPrefix("application/json") == true, "\(what)")
        }
        expectError(try await server.post("/v1/search", raw: Array("{\"query\": ".utf8)), 400, "invalid_json", "truncated JSON")
        expectError(try await server.post("/v1/search", raw: Array("[1,2]".utf8)), 400, "invalid_json", "not an object")
        expectError(try await server.post("/v1/search", raw: []), 400, "invalid_json", "empty body")
        expectError(try await server.post("/v1/search", json: ["k": 3]), 400, "missing_field", "missing query")
        expectError(try await server.post("/v1/search", json: ["query": "x", "k": "3"]), 400, "invalid_field", "k as a string")
        expectError(try await server.post("/v1/search", json: ["query": "x", "k": 0]), 400, "invalid_field", "k out of range")
        expectError(try await server.post("/v1/search", json: ["query": "x", "nprobe": 0]), 400, "invalid_field", "nprobe out of range")
        expectError(try await server.post("/v1/ask", json: ["question": "x", "nprobe": 0]), 400, "invalid_field", "nprobe out of range")
        expectError(try await server.post("/v1/search", json: ["query": "x", "mode": "fuzzy"]), 400, "invalid_field", "unknown mode")
        expectError(try await server.post("/v1/search", json: ["query": "x", "topk": 3]), 400, "unknown_field", "misspelt field")
        expectError(try await server.post("/v1/search", json: ["query": "x", "filter": ["colour:red"]]), 400, "invalid_filter", "bad filter")
        expectError(try await server.post("/v1/ask", json: ["question": "x", "temperature": -1]), 400, "invalid_field", "temperature < 0")
        expectError(try await server.post("/v1/ask", json: ["question": "x", "top_p": 1.5]), 400, "invalid_field", "top_p > 1")
        expectError(try await server.post("/v1/ask", json: ["question": "x", "max_tokens": 0]), 400, "invalid_field", "max_tokens 0")
        expectError(try await server.post("/v1/ask", json: ["question": "   "]), 400, "invalid_field", "blank question")
        expectError(try await server.post("/v1/chat/completions", json: ["model": "rag", "messages": []]), 400, "invalid_field", "no messages")
        expectError(try await server.post("/v1/chat/completions", json: ["messages": [["role": "robot", "content": "hi"]]]), 400, "invalid_field", "bad role")
        expectError(try await server.post("/v1/embeddings", json: ["input": [1, 2, 3]]), 400, "invalid_field", "token arrays")
        let big = [UInt8](repeating: UInt8(ascii: "a"), count: 20 << 20)
        expectError(try await server.post("/v1/search", raw: big), 413, "body_too_large", "20 MB body")
        expectError(try await server.get("/v1/nothing-here"), 404, "not_found", "unknown route")
        expectError(try await server.get("/v1/search"), 405, "method_not_allowed", "GET on a POST route")

        // The API key: required everywhere but the health checks.
        let open = try await server.client.fetch("GET", server.endpoint, path: "/healthz")
        #expect(open.status == 200)
        let noKey = try await server.client.fetch("POST", server.endpoint, path: "/v1/search", body: Array("{\"query\":\"x\"}".utf8))
        expectError(noKey, 401, "unauthorized", "no key")
        #expect(noKey.header("www-authenticate") == "Bearer")
        let wrongKey = try await server.client.fetch("GET", server.endpoint, path: "/metrics", headers: [("Authorization", "Bearer nope")])
        expectError(wrongKey, 401, "unauthorized", "wrong key")

        // Still serving.
        let ok = try await server.post("/v1/search", json: ["query": "fetch the models", "k": 2])
        #expect(ok.status == 200 && (ok.json?["results"] as? [Any])?.count == 2)
        #expect(server.process.isRunning)
    }

    @Test func metricsArePrometheusText() async throws {
        let server = try await ServerProcess.start(["--index", Self.index])
        defer { server.stop() }
        _ = try await server.post("/v1/search", json: ["query": "metrics", "k": 2])
        _ = try await server.post("/v1/search", json: ["query": "metrics", "k": 3])  // the query's vector is cached
        _ = try await server.post("/v1/search", json: ["query": "metrics", "k": 2])  // the whole result is cached
        let question: [String: Any] = ["question": "What does /metrics report?", "max_tokens": 8, "style": "free"]
        _ = try await server.post("/v1/ask", json: question)
        let cached = try await server.post("/v1/ask", json: question)
        #expect(cached.json?["cached"] as? Bool == true)
        _ = try await server.get("/nope")
        let m = try await server.get("/metrics")
        #expect(m.status == 200 && m.header("content-type")?.hasPrefix("text/plain") == true)
        let text = m.text
        for needle in [
            #"rag_http_requests_total{route="/v1/search",method="POST",status="200"} 3"#,
            #"rag_http_requests_total{route="unmatched",method="GET",status="404"} 1"#,
            #"rag_http_request_duration_seconds_bucket{route="/v1/ask""#,
            #"rag_stage_duration_seconds_bucket{stage="embed""#,
            #"rag_stage_duration_seconds_bucket{stage="search""#,
            #"rag_stage_duration_seconds_bucket{stage="generate""#,
            #"rag_cache_requests_total{cache="answer",result="hit"} 1"#,
            #"rag_cache_requests_total{cache="answer",result="miss"} 1"#,
            #"rag_cache_requests_total{cache="query_embedding",result="hit"} 1"#,
            #"rag_cache_requests_total{cache="search",result="hit"} 1"#,
            "rag_generated_tokens_total ", "rag_generation_queue_depth 0", #"rag_backend_healthy{backend="local"} 1"#,
        ] {
            #expect(text.contains(needle), "missing \(needle)")
        }
    }

    @Test func fullQueueGets503AndSlowRequestsTimeOut() async throws {
        let server = try await ServerProcess.start(["--index", Self.index, "--max-queue", "0", "--max-concurrent", "1"])
        defer { server.stop() }
        let started = SetOnceFlag()
        let long = Task {
            try await server.stream("/v1/completions", json: ["prompt": "1, 2, 3, 4, 5,", "max_tokens": 200, "stream": true]) { _ in started.set() }
        }
        while !started.isSet { try await Task.sleep(for: .milliseconds(10)) }
        let refused = try await server.post("/v1/chat/completions", json: ["messages": [["role": "user", "content": "hi"]], "max_tokens": 4, "style": "free"])
        #expect(refused.status == 503 && refused.errorCode == "busy", "\(refused.text)")
        #expect(refused.header("retry-after") == "1")
        // Retrieval does not queue behind generation.
        #expect(try await server.post("/v1/search", json: ["query": "queue"]).status == 200)
        let first = try await long.value
        #expect(first.status == 200 && first.events.last == "[DONE]")
        #expect(try await server.post("/v1/chat/completions", json: ["messages": [["role": "user", "content": "hi"]], "max_tokens": 4]).status == 200)

        let hurried = try await ServerProcess.start(["--index", Self.index, "--request-timeout", "0.05"])
        defer { hurried.stop() }
        let late = try await hurried.post("/v1/ask", json: ["question": "Explain the whole ingest pipeline.", "max_tokens": 200, "style": "free"])
        #expect(late.status == 504 && late.errorCode == "timeout", "\(late.text)")
        #expect(try await hurried.get("/healthz").status == 200)
    }

    @Test func sigtermDrainsInFlightStreams() async throws {
        let server = try await ServerProcess.start(["--index", Self.index])
        let first = SetOnceFlag()
        let streaming = Task {
            try await server.stream("/v1/ask", json: ["question": "How is a document chunked?", "max_tokens": 48, "stream": true, "k": 3, "style": "free"]) { _ in first.set() }
        }
        while !first.isSet { try await Task.sleep(for: .milliseconds(10)) }
        kill(server.process.processIdentifier, SIGTERM)
        let result = try await streaming.value
        let last = try #require(result.events.last.flatMap(jsonObject))
        #expect(last["type"] as? String == "answer", "the stream was cut: \(result.events.suffix(2))")
        #expect(server.waitExit(timeout: 30) == 0)
        await #expect(throws: RAGError.self) { try await server.get("/healthz") }
    }

    @Test func readyzIsUnavailableUntilModelsLoad() async throws {
        // A models folder with the encoder only: start-up cannot load the generator.
        let dir = try CLI.temporaryDirectory("models")
        try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("minilm").path,
                                                   withDestinationPath: URL(fileURLWithPath: CLI.modelsDir).appendingPathComponent("minilm").path)
        let server = try await ServerProcess.start(["--index", Self.index], modelsDir: dir.path, waitReady: false)
        defer { server.stop() }
        #expect(try await server.get("/healthz").status == 200)
        var ready = try await server.get("/readyz")
        let deadline = Date().addingTimeInterval(30)
        while !(ready.errorMessage ?? "").contains("start-up failed") && Date() < deadline {
            try await Task.sleep(for: .milliseconds(50))
            ready = try await server.get("/readyz")
        }
        #expect(ready.status == 503 && ready.errorCode == "not_ready")
        #expect(ready.errorMessage?.contains("fetch-models") == true, "\(ready.text)")
        let search = try await server.post("/v1/search", json: ["query": "x"])
        #expect(search.status == 503 && search.errorCode == "not_ready")
    }
}
