import Foundation
import Testing

/// The web page at `/`: its files and headers over plain HTTP, then the page itself in headless Chromium driven by
/// Selenium (Debian's `chromium` and `chromium-driver`, which `make test` installs; Selenium from PyPI in a venv).
@Suite(.serialized) struct WebPageTests {
    static var index: String { AskCLITests.index }

    @Test func pageAndAssetsAreServedWithTheirTypesAndAStrictPolicy() async throws {
        let server = try await ServerProcess.start(["--index", Self.index, "--api-key", "page-key"], apiKey: "page-key")
        defer { server.stop() }
        let types = ["/": "text/html", "/app.js": "text/javascript", "/app.css": "text/css", "/favicon.svg": "image/svg+xml"]
        var total = 0
        for (path, type) in types.sorted(by: { $0.key < $1.key }) {
            // Served without the key (the page asks for it), like /healthz.
            let r = try await server.client.fetch("GET", server.endpoint, path: path, headers: [])
            #expect(r.status == 200, "\(path): \(r.status) \(r.text.prefix(200))")
            #expect(r.header("content-type")?.hasPrefix(type) == true, "\(path): \(r.header("content-type") ?? "-")")
            let csp = r.header("content-security-policy") ?? ""
            #expect(csp.contains("default-src 'self'") && csp.contains("script-src 'self'") && !csp.contains("unsafe"), "\(path): \(csp)")
            #expect(r.header("x-content-type-options") == "nosniff")
            total += r.body.count
        }
        // No inline scripts, styles or handlers: the policy would block them.
        let html = try await server.client.fetch("GET", server.endpoint, path: "/", headers: []).text
        #expect(html.contains("<script src=\"/app.js\"") && html.contains("<link rel=\"stylesheet\" href=\"/app.css\">"))
        #expect(!html.contains("<style") && !html.contains("style=") && !html.contains("javascript:"))
        #expect(html.range(of: #"<script>"#) == nil && html.range(of: #"\son[a-z]+="#, options: .regularExpression) == nil)
        #expect(!html.contains("http://") || html.components(separatedBy: "http://").count == 2, "the only absolute URL is the SVG namespace")
        #expect(total < 64_000, "the page weighs \(total) bytes")
        // The API stays behind the key; the Host check guards the page too (a rebound name gets nothing).
        #expect(try await server.client.fetch("GET", server.endpoint, path: "/v1/stats", headers: []).status == 401)
        let stats = try await server.get("/v1/stats")
        #expect(stats.status == 200 && (stats.json?["documents"] as? Int ?? 0) > 0 && stats.json?["formats"] is [String: Any], "\(stats.text)")
        let rebound = try await server.client.fetch("GET", server.endpoint, path: "/", headers: [("Host", "rebind.attacker.example")])
        #expect(rebound.status == 403 && rebound.errorCode == "host_not_allowed", "\(rebound.status)")
        // Chunks by id: the text behind an answer's sources.
        let search = try await server.post("/v1/search", json: ["query": "fetch the models", "k": 2])
        let ids = (search.json?["results"] as? [[String: Any]] ?? []).compactMap { $0["chunk_id"] as? Int }
        let chunks = try await server.post("/v1/chunks", json: ["ids": ids + [999_999_999]])
        let got = chunks.json?["chunks"] as? [[String: Any]] ?? []
        #expect(chunks.status == 200 && got.map { $0["chunk_id"] as? Int } == ids.map { $0 } && got.allSatisfy { ($0["text"] as? String)?.isEmpty == false },
                "\(chunks.text.prefix(300))")
        #expect(try await server.post("/v1/chunks", json: ["ids": ["x"]]).errorCode == "invalid_field")
        #expect(try await server.post("/v1/chunks", json: ["ids": Array(1...101)]).errorCode == "invalid_field")
    }

    @Test func thePageAsksSearchesAndTakesFeedbackInHeadlessChromium() async throws {
        let browser = try Browser.prepare()
        let out = try CLI.temporaryDirectory("web")
        let index = Self.index
        let server = try await ServerProcess.start(["--index", index])
        defer { server.stop() }
        let r = try browser.run(["page", server.url, out.path])
        let result = try #require(jsonObject(r.stdout), "selenium: \(r.stdout.suffix(2000)) \(r.stderr.suffix(3000))")
        #expect(result["error"] == nil, "\(result["error"] ?? "")")
        #expect((result["answer"] as? String)?.isEmpty == false, "\(result)")
        let sourcePaths = result["source_paths"] as? [String] ?? []
        #expect(!sourcePaths.isEmpty && sourcePaths.allSatisfy { FileManager.default.fileExists(atPath: $0) }, "\(sourcePaths)")
        #expect((result["evidence"] as? String ?? "").count > 20, "the first source's chunk text is shown: \(result)")
        #expect(result["marks"] as? Int ?? 0 > 0, "the question's words are marked in the evidence")
        #expect((result["search_paths"] as? [String])?.isEmpty == false, "\(result)")
        #expect(result["url_after_search"] as? String == "\(server.url)/?q=which+Debian+packages+are+installed&mode=search")
        #expect(result["phone_overflow"] as? Bool == false, "the page fits a 390 px wide screen")
        #expect((result["console"] as? [String] ?? []).isEmpty, "browser console: \(result["console"] ?? "")")
        #expect(result["stopped"] as? Bool == true, "Esc stops a streamed answer: \(result)")
        for shot in ["ask.png", "search.png", "phone.png"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(shot).path), "\(shot)")
        }
        // The thumbs-up reached the index: `rag feedback --json` lists it.
        let answerID = try #require(result["answer_id"] as? String)
        let feedback = try CLI.run(["feedback", "--json", "--index", index])
        let records = feedback.stdout.split(separator: "\n").compactMap { jsonObject(String($0)) }
        #expect(records.contains { $0["answer_id"] as? String == answerID && $0["rating"] as? Int == 1 }, "\(feedback.stdout.prefix(500))")
        if let ms = result["first_token_ms"] { print("web page: navigation to first answer token \(ms) ms; screenshots in \(out.path)") }
    }

    @Test func withAnAPIKeyThePageAsksForItAndShowsNoDataWithoutIt() async throws {
        let browser = try Browser.prepare()
        let out = try CLI.temporaryDirectory("web-key")
        let server = try await ServerProcess.start(["--index", Self.index, "--api-key", "s3cret-key"], apiKey: "s3cret-key")
        defer { server.stop() }
        let r = try browser.run(["key", server.url, out.path, "s3cret-key"])
        let result = try #require(jsonObject(r.stdout), "selenium: \(r.stdout.suffix(2000)) \(r.stderr.suffix(3000))")
        #expect(result["error"] == nil, "\(result["error"] ?? "")")
        #expect(result["prompt_shown"] as? Bool == true && result["ask_hidden"] as? Bool == true, "\(result)")
        #expect(result["stats_before"] as? String == "", "no index data before the key: \(result)")
        #expect(result["wrong_key_refused"] as? Bool == true, "\(result)")
        #expect((result["stats_after"] as? String ?? "").contains("documents"), "\(result)")
        #expect((result["answer"] as? String)?.isEmpty == false, "asked with the key: \(result)")
    }
}

/// Headless Chromium through Selenium: checks the browser and driver are installed and makes (once) a venv with
/// Selenium in the user's cache directory.
struct Browser {
    let python: String
    let script: String

    static func prepare() throws -> Browser {
        for tool in ["/usr/bin/chromium", "/usr/bin/chromedriver"] where !FileManager.default.isExecutableFile(atPath: tool) {
            throw ServeTestError("\(tool) is missing: `make test` installs it (apt-get install chromium chromium-driver)")
        }
        let cache = FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/rag-tests/selenium-venv")
        let python = cache.appendingPathComponent("bin/python").path
        if (try? run(python, ["-c", "import selenium"]))?.status != 0 {
            var r = try run("/usr/bin/python3", ["-m", "venv", cache.path])
            guard r.status == 0 else { throw ServeTestError("python3 -m venv failed (apt-get install python3-venv): \(r.stderr)") }
            r = try run(python, ["-m", "pip", "install", "-q", "selenium>=4.10,<5"])
            guard r.status == 0 else { throw ServeTestError("pip install selenium failed: \(r.stderr)") }
        }
        return Browser(python: python, script: CLI.repoRoot.appendingPathComponent("scripts/web-page-check").path)
    }

    func run(_ args: [String]) throws -> CLI.Result { try Self.run(python, [script] + args) }

    static func run(_ executable: String, _ args: [String], environment: [String: String] = [:]) throws -> CLI.Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        return CLI.finish(p)
    }
}
