import Foundation
import RemoteGeneration
import Server
import Testing

/// Load balancing over real `rag serve` backends, and the OpenAPI document checked against a running server.
@Suite(.serialized) struct ServePoolTests {
    static var index: String { AskCLITests.index }

    @Test func poolSpreadsLoadAndSurvivesAKilledBackend() async throws {
        // The backends want a key; the front passes it on.
        let a = try await ServerProcess.start(["--index", Self.index, "--threads", "1", "--api-key", "backend-key"], apiKey: "backend-key")
        defer { a.stop() }
        let b = try await ServerProcess.start(["--index", Self.index, "--threads", "1", "--api-key", "backend-key"], apiKey: "backend-key")
        defer { b.stop() }
        let front = try await ServerProcess.start(["--index", Self.index, "--generator", "openai:\(a.url),\(b.url)", "--health-interval", "0.3",
                                                   "--generator-api-key", "backend-key"])
        defer { front.stop() }
        let chat: [String: Any] = ["model": "smollm2-135m-instruct", "max_tokens": 4, "messages": [["role": "user", "content": "Hello"]]]

        try await withThrowingTaskGroup(of: Int.self) { group in
            let body = Array(try JSONSerialization.data(withJSONObject: chat))
            for _ in 0..<4 { group.addTask { try await front.post("/v1/chat/completions", raw: body).status } }
            for try await status in group { #expect(status == 200) }
        }
        func served(_ s: ServerProcess) async throws -> Int {
            let text = try await s.get("/metrics").text
            let line = text.split(separator: "\n").first { $0.hasPrefix(#"rag_http_requests_total{route="/v1/chat/completions",method="POST",status="200"}"#) }
            return line.flatMap { Int($0.split(separator: " ").last!) } ?? 0
        }
        let (servedA, servedB) = (try await served(a), try await served(b))
        #expect(servedA >= 1 && servedB >= 1 && servedA + servedB == 4, "a \(servedA), b \(servedB)")

        // Kill one backend outright: every request still succeeds, streams included.
        b.kill9()
        for i in 0..<6 {
            if i % 2 == 0 {
                let r = try await front.post("/v1/chat/completions", json: chat)
                #expect(r.status == 200, "\(r.text)")
            } else {
                let s = try await front.stream("/v1/ask", json: ["question": "How do I fetch the models? \(i)", "max_tokens": 8, "stream": true, "k": 1])
                #expect(s.events.last.flatMap(jsonObject)?["type"] as? String == "answer", "\(s.events.suffix(2))")
            }
        }
        let metrics = try await front.get("/metrics").text
        #expect(metrics.contains(#"rag_backend_healthy{backend="\#(b.url)"} 0"#), "\(metrics.split(separator: "\n").filter { $0.contains("backend") })")
        #expect(metrics.contains(#"rag_backend_healthy{backend="\#(a.url)"} 1"#))
        let ready = try #require(try await front.get("/readyz").json?["backends"] as? [[String: Any]])
        #expect(ready.first { $0["url"] as? String == b.url }?["healthy"] as? Bool == false)

        // A backend that comes back is put back by the health checker.
        let b2 = try await ServerProcess.start(["--index", Self.index, "--threads", "1", "--api-key", "backend-key"], port: b.port, apiKey: "backend-key")
        defer { b2.stop() }
        let deadline = Date().addingTimeInterval(20)
        var back = false
        while !back && Date() < deadline {
            back = try await front.get("/metrics").text.contains(#"rag_backend_healthy{backend="\#(b.url)"} 1"#)
            if !back { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(back, "the restarted backend was not put back")
        b2.kill9()

        // `rag ask` speaks to the same backends.
        let cli = try CLI.run(["ask", "How do I fetch the models?", "--index", Self.index, "--generator", "openai:\(b.url),\(a.url)",
                               "--generator-api-key", "backend-key", "--max-tokens", "8", "--no-cache", "--json"])
        #expect(cli.status == 0, "\(cli.stderr)")
        #expect(cli.json?["grounded"] as? Bool == true && (cli.json?["usage"] as? [String: Any])?["completion_tokens"] as? Int ?? 0 > 0)
        // With every backend gone the error says so.
        a.kill9()
        let none = try await front.post("/v1/chat/completions", json: chat)
        #expect(none.status == 502 && none.errorCode == "no_backend", "\(none.text)")
    }

    @Test func openAPIDocumentMatchesTheServer() async throws {
        let url = CLI.repoRoot.appendingPathComponent("docs/openapi.json")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let paths = try #require(doc["paths"] as? [String: [String: Any]])
        let schemas = try #require((doc["components"] as? [String: Any])?["schemas"] as? [String: Any])
        let documented = Set(paths.flatMap { path, ops in ops.keys.map { "\($0.uppercased()) \(path)" } })
        // Excluded: /mcp, MCP's JSON-RPC endpoint, which the Model Context Protocol specifies (MCPTests call it).
        let served = Set(RAGServer.routes.filter { $0.path != "/mcp" }.map { "\($0.method) \($0.path)" })
        #expect(documented == served, "only documented: \(documented.subtracting(served)); only served: \(served.subtracting(documented))")

        // Its own copy of the index: the documented examples write feedback, which the suites sharing the Corpus
        // index (copied by ServeCLITests' feedback listing while this ran) must not see.
        let dir = try CLI.temporaryDirectory("openapi")
        let index = dir.appendingPathComponent("i.sqlite").path
        try FileManager.default.copyItem(atPath: Self.index, toPath: index)
        let server = try await ServerProcess.start(["--index", index])
        defer { server.stop() }
        let answerID = try #require(try await server.post("/v1/ask", json: ["question": "How do I run the tests?", "extractive": true]).json?["id"] as? String)
        for (path, ops) in paths.sorted(by: { $0.key < $1.key }) {
            for (method, opAny) in ops {
                let op = try #require(opAny as? [String: Any])
                let responses = try #require(op["responses"] as? [String: Any])
                let success = try #require(responses.keys.first { $0.hasPrefix("2") })
                let content = (responses[success] as? [String: Any])?["content"] as? [String: Any] ?? [:]
                let r: HTTPResult
                if method == "get" {
                    r = try await server.get(path)
                } else {
                    let body = ((op["requestBody"] as? [String: Any])?["content"] as? [String: Any])?["application/json"] as? [String: Any]
                    var example = try #require(body?["example"] as? [String: Any], "\(path): no request example")
                    if path == "/v1/feedback" { example["answer_id"] = answerID }
                    r = try await server.post(path, json: example)
                }
                #expect(String(r.status) == success, "\(method) \(path): \(r.status) \(r.text.prefix(300))")
                if let json = content["application/json"] as? [String: Any], let schema = json["schema"] {
                    let value = try JSONSerialization.jsonObject(with: Data(r.body))
                    let problems = SchemaCheck(schemas: schemas).check(value, schema, at: path)
                    #expect(problems.isEmpty, "\(method) \(path): \(problems)")
                } else {
                    #expect(content.keys.contains { r.header("content-type")?.hasPrefix($0) == true }, "\(method) \(path): \(r.header("content-type") ?? "-")")
                }
                // Every documented error status is a JSON error when it happens; 400 is easy to provoke on POST routes.
                if method == "post" && responses["400"] != nil {
                    let bad = try await server.post(path, raw: Array("{".utf8))
                    #expect(bad.status == 400 && bad.errorCode == "invalid_json", "\(path)")
                }
            }
        }
    }
}

/// Enough of JSON Schema to hold a response to its documented shape: types, required properties, items, $ref, oneOf, enum.
struct SchemaCheck {
    let schemas: [String: Any]

    /// JSONSerialization gives NSNumbers; a boolean is the one whose type code is "c".
    static func objCType(_ v: Any) -> String { (v as? NSNumber).map { String(cString: $0.objCType) } ?? "" }
    static func isNumber(_ v: Any) -> Bool { v is NSNumber && objCType(v) != "c" }

    func check(_ value: Any, _ schemaAny: Any, at path: String) -> [String] {
        guard var schema = schemaAny as? [String: Any] else { return ["\(path): bad schema"] }
        if let ref = schema["$ref"] as? String, let resolved = schemas[String(ref.split(separator: "/").last!)] as? [String: Any] {
            schema = resolved
        }
        if let options = schema["oneOf"] as? [Any] {
            return options.contains { check(value, $0, at: path).isEmpty } ? [] : ["\(path): matches none of oneOf"]
        }
        if let allowed = schema["enum"] as? [String], let s = value as? String, !allowed.contains(s) {
            return ["\(path): \(s) not in \(allowed)"]
        }
        switch schema["type"] as? String {
        case "object":
            guard let o = value as? [String: Any] else { return ["\(path): expected an object"] }
            var problems = ((schema["required"] as? [String]) ?? []).filter { o[$0] == nil }.map { "\(path).\($0): missing" }
            for (key, sub) in (schema["properties"] as? [String: Any]) ?? [:] {
                if let v = o[key], !(v is NSNull) { problems += check(v, sub, at: "\(path).\(key)") }
            }
            return problems
        case "array":
            guard let a = value as? [Any] else { return ["\(path): expected an array"] }
            return a.enumerated().flatMap { check($1, schema["items"] ?? [:], at: "\(path)[\($0)]") }
        case "string": return value is String ? [] : ["\(path): expected a string"]
        case "integer": return Self.isNumber(value) && "iqlsILQS".contains(Self.objCType(value)) ? [] : ["\(path): expected an integer, got \(value)"]
        case "number": return Self.isNumber(value) ? [] : ["\(path): expected a number, got \(value) (\(type(of: value)))"]
        case "boolean": return Self.objCType(value) == "c" ? [] : ["\(path): expected a boolean"]
        default: return []
        }
    }
}
