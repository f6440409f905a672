import Foundation
import Testing

/// `rag mcp` (stdio) and rag serve's /mcp (streamable HTTP) driven by the official Python MCP client (`mcp<2`, in
/// a venv the test makes under ~/.cache/rag-tests): initialize, list tools and resources, call every tool on the
/// Corpus index, read a resource; bad arguments give tool errors with the HTTP API's codes and the server stays up.
@Suite(.serialized) struct MCPTests {
    static var index: String { AskCLITests.index }

    static func client() throws -> String {
        let venv = FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/rag-tests/mcp-venv")
        let python = venv.appendingPathComponent("bin/python").path
        if (try? Browser.run(python, ["-c", "import mcp.client.streamable_http"]))?.status != 0 {
            var r = try Browser.run("/usr/bin/python3", ["-m", "venv", venv.path])
            guard r.status == 0 else { throw ServeTestError("python3 -m venv failed (apt-get install python3-venv): \(r.stderr)") }
            r = try Browser.run(python, ["-m", "pip", "install", "-q", "mcp<2"])
            guard r.status == 0 else { throw ServeTestError("pip install mcp<2 failed: \(r.stderr)") }
        }
        return python
    }

    static func check(_ args: [String]) throws -> [String: Any] {
        let r = try Browser.run(try client(), [CLI.repoRoot.appendingPathComponent("scripts/mcp-check").path] + args,
                                environment: ["RAG_MODELS_DIR": CLI.modelsDir])
        let result = try #require(jsonObject(r.stdout), "mcp-check: \(r.stdout.suffix(2000)) \(r.stderr.suffix(3000))")
        #expect(result["error"] == nil, "\(result["error"] ?? "") \(result["trace"] ?? "")")
        return result
    }

    func expectSession(_ r: [String: Any]) {
        #expect(r["server"] as? String == "rag")
        #expect(r["tools"] as? [String] == ["ask", "get_document", "list_documents", "search"])
        #expect(r["schemas_described"] as? Bool == true, "every tool and argument has a description")
        for key in ["search_error", "ask_error", "list_error", "get_error"] { #expect(r[key] as? Bool == false, "\(key): \(r)") }
        let search = r["search"] as? [[String: Any]] ?? []
        #expect(search.count == 3 && search.allSatisfy { ($0["path"] as? String)?.isEmpty == false && $0["has_text"] as? Bool == true })
        let ask = r["ask"] as? [String: Any] ?? [:]
        #expect((ask["answer"] as? String)?.isEmpty == false && (ask["sources"] as? [String])?.isEmpty == false, "\(ask)")
        #expect((ask["evidence"] as? [Int] ?? []).allSatisfy { $0 > 0 }, "every source comes with its text")
        let list = r["list"] as? [String: Any] ?? [:]
        #expect((list["paths"] as? [String] ?? []).allSatisfy { $0.hasSuffix(".md") } && (list["total"] as? Int ?? 0) > 5 && list["next_offset"] as? Int == 5)
        let get = r["get"] as? [String: Any] ?? [:]
        #expect(get["chunks"] as? Int == 2 && get["has_chunk"] as? Bool == true && (get["text_start"] as? String)?.hasPrefix("## ") == true, "\(get)")
        #expect(r["get_by_path"] as? Bool == true)
        let bad = r["bad"] as? [String: [String: Any]] ?? [:]
        #expect(bad.count == 6 && bad.values.allSatisfy { $0["is_error"] as? Bool == true }, "\(bad)")
        // The HTTP API's codes and messages.
        #expect(bad["search {\"query\": \"x\", \"k\": 1000}"]?["text"] as? String == "invalid_field: k: must be between 1 and 100, got 1000")
        #expect(bad["search {\"k\": 3}"]?["text"] as? String == "missing_field: query: required")
        #expect((bad["get_document {\"chunk_id\": 999999999}"]?["text"] as? String)?.hasPrefix("not_found:") == true)
        #expect((r["resources"] as? Int ?? 0) > 10 && (r["resource_uri"] as? String)?.hasPrefix("rag://doc/") == true)
        #expect((r["resource_text"] as? String)?.hasPrefix("# ") == true)
        #expect((r["bad_resource"] as? String)?.contains("no document with id") == true)
        #expect(r["still_serving"] as? Bool == true)
    }

    @Test func stdioServesTheToolsAndResources() throws {
        expectSession(try Self.check(["stdio", CLI.binary, Self.index]))
    }

    @Test func streamableHTTPAtSlashMCPWithTheAPIsKeyAndHostRules() async throws {
        let server = try await ServerProcess.start(["--index", Self.index, "--api-key", "mcp-key"], apiKey: "mcp-key")
        defer { server.stop() }
        expectSession(try Self.check(["http", "\(server.url)/mcp", "mcp-key"]))
        // Same key and Host rules as the API; no standalone GET stream.
        let initialize = #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-03-26","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#
        let accept = ("Accept", "application/json, text/event-stream")
        let noKey = try await server.client.fetch("POST", server.endpoint, path: "/mcp", headers: [("Content-Type", "application/json"), accept],
                                                  body: Array(initialize.utf8))
        #expect(noKey.status == 401 && noKey.errorCode == "unauthorized", "\(noKey.status) \(noKey.text)")
        let rebound = try await server.post("/mcp", raw: Array(initialize.utf8), headers: [accept, ("Host", "rebind.attacker.example")])
        #expect(rebound.status == 403 && rebound.errorCode == "host_not_allowed")
        #expect(try await server.get("/mcp").status == 405)
        let unknown = try await server.post("/mcp", raw: Array(#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#.utf8),
                                            headers: [accept, ("Mcp-Session-Id", "no-such-session")])
        #expect(unknown.status == 404)
        #expect(try await server.get("/healthz").status == 200, "the server is still up")
    }
}
