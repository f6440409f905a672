import Foundation
import TestSupport
import Testing

/// `rag.toml`, RAG_<SECTION>_<KEY> and `rag config show`, through the real binary on a real keyword index.
@Suite(.serialized) struct ConfigCLITests {
    let corpus = CLI.repoRoot.appendingPathComponent("Corpus").path

    func run(_ args: [String], environment: [String: String] = [:]) throws -> CLI.Result {
        CLI.finish(try CLI.start(args, environment: environment))
    }

    func resultCount(_ r: CLI.Result) -> Int? { (r.json?["results"] as? [Any])?.count }

    /// `[retrieval] k` through `rag search`: flag, then RAG_RETRIEVAL_K, then Indexes-side rag.toml, then search's 10.
    @Test func searchResultsFollowFlagThenEnvironmentThenFileThenDefault() throws {
        let dir = try CLI.temporaryDirectory("config-precedence")
        let index = dir.appendingPathComponent("docs.sqlite").path
        let ingest = try run(["ingest", corpus, "--index", index, "--no-embed", "--json"])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let query = ["search", "the", "--mode", "keyword", "--index", index, "--json"]
        #expect(resultCount(try run(query)) == 10)
        try "# beside the index\n[retrieval]\nk = 2\n".write(toFile: dir.appendingPathComponent("docs.toml").path, atomically: true, encoding: .utf8)
        #expect(resultCount(try run(query)) == 2)
        #expect(resultCount(try run(query, environment: ["RAG_RETRIEVAL_K": "3"])) == 3)
        #expect(resultCount(try run(query + ["-k", "1"], environment: ["RAG_RETRIEVAL_K": "3"])) == 1)
        // --config names another file, which replaces the one beside the index.
        let other = dir.appendingPathComponent("other.toml").path
        try "[retrieval]\nk = 4\n".write(toFile: other, atomically: true, encoding: .utf8)
        #expect(resultCount(try run(query + ["--config", other])) == 4)
        #expect(resultCount(try run(query, environment: ["RAG_CONFIG": other])) == 4)
    }

    /// `[ingest] chunk_tokens` and `[serve] port` from the file, overridden by the environment and by the flag.
    @Test func ingestAndServeSettingsComeFromTheFile() throws {
        let dir = try CLI.temporaryDirectory("config-ingest")
        let config = dir.appendingPathComponent("rag.toml").path
        try "[ingest]\nchunk_tokens = 8\n[serve]\nport = 99999\n".write(toFile: config, atomically: true, encoding: .utf8)
        // 8 is a valid integer but below the table's minimum: refused with the file, line and key.
        let bad = try run(["ingest", corpus, "--index", dir.appendingPathComponent("i.sqlite").path, "--no-embed", "--config", config])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("\(config):2: [ingest] chunk_tokens: expected an integer ≥ 16, got 8"), "\(bad.stderr)")

        try "[ingest]\nchunk_tokens = 64\nchunk_overlap = 8\n".write(toFile: config, atomically: true, encoding: .utf8)
        let small = try run(["ingest", corpus, "--index", dir.appendingPathComponent("small.sqlite").path, "--no-embed", "--json", "--config", config])
        let large = try run(["ingest", corpus, "--index", dir.appendingPathComponent("large.sqlite").path, "--no-embed", "--json", "--config", config,
                             "--chunk-tokens", "400"])
        let fromEnv = try run(["ingest", corpus, "--index", dir.appendingPathComponent("env.sqlite").path, "--no-embed", "--json", "--config", config],
                              environment: ["RAG_INGEST_CHUNK_TOKENS": "400"])
        let smallChunks = try #require(small.json?["chunks"] as? Int), largeChunks = try #require(large.json?["chunks"] as? Int)
        #expect(smallChunks > largeChunks)
        #expect(fromEnv.json?["chunks"] as? Int == largeChunks)

        // serve: a port from the file out of range is refused before anything starts; RAG_SERVE_PORT beats the file.
        try "[serve]\nport = 70000\n".write(toFile: config, atomically: true, encoding: .utf8)
        let serve = try run(["serve", "--index", dir.appendingPathComponent("small.sqlite").path, "--config", config])
        #expect(serve.status == 2)
        #expect(serve.stderr.contains("\(config):2: [serve] port: expected an integer in 0…65535, got 70000"), "\(serve.stderr)")
        try "[serve]\nport = 9000\n".write(toFile: config, atomically: true, encoding: .utf8)
        let fromFile = try run(["config", "show", "--json", "--config", config])
        let fileEntry = (fromFile.json?["settings"] as? [[String: Any]])?.first { $0["key"] as? String == "serve.port" }
        #expect(fileEntry?["value"] as? Int == 9000 && fileEntry?["source"] as? String == "file \(config):2")
        let shown = try run(["config", "show", "--json", "--config", config], environment: ["RAG_SERVE_PORT": "8181"])
        let entries = try #require(shown.json?["settings"] as? [[String: Any]])
        let port = try #require(entries.first { $0["key"] as? String == "serve.port" })
        #expect(port["value"] as? Int == 8181)
        #expect(port["source"] as? String == "env RAG_SERVE_PORT")
    }

    @Test func configShowPrintsEveryValueAndItsSource() throws {
        let dir = try CLI.temporaryDirectory("config-show")
        let index = dir.appendingPathComponent("rag.sqlite").path
        let config = dir.appendingPathComponent("rag.toml").path
        try """
            # tuned
            [retrieval]
            mode = "keyword"
            k = 12

            [answer]
            temperature = 0.3
            stop = ["END"]
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let json = try run(["config", "show", "--json", "--index", index], environment: ["RAG_ANSWER_TOP_K": "7"])
        #expect(json.status == 0, "\(json.stderr)")
        let object = try #require(json.json)
        #expect(object["config_file"] as? String == config)
        let settings = try #require(object["settings"] as? [[String: Any]])
        func entry(_ key: String) -> [String: Any]? { settings.first { $0["key"] as? String == key } }
        #expect(entry("retrieval.mode")?["value"] as? String == "keyword")
        #expect(entry("retrieval.mode")?["source"] as? String == "file \(config):3")
        #expect(entry("retrieval.k")?["value"] as? Int == 12)
        #expect(entry("retrieval.k")?["source"] as? String == "file \(config):4")
        #expect(entry("answer.temperature")?["value"] as? Double == 0.3)
        #expect(entry("answer.stop")?["value"] as? [String] == ["END"])
        #expect(entry("answer.top_k")?["value"] as? Int == 7)
        #expect(entry("answer.top_k")?["source"] as? String == "env RAG_ANSWER_TOP_K")
        #expect(entry("ingest.chunk_tokens")?["value"] as? Int == 200)
        #expect(entry("ingest.chunk_tokens")?["source"] as? String == "default")
        #expect(entry("answer.seed").map { $0["value"] is NSNull } == true)
        for s in settings { for key in ["key", "value", "source"] { #expect(s[key] != nil, "\(s) lacks \(key)") } }

        let text = try run(["config", "show", "--index", index])
        #expect(text.status == 0)
        let lines = text.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "config file: \(config)")
        let k = try #require(lines.first { $0.hasPrefix("retrieval.k ") })
        #expect(k.contains("12") && k.hasSuffix("file \(config):4"))
        let port = try #require(lines.first { $0.hasPrefix("serve.port ") })
        #expect(port.contains("8080") && port.hasSuffix("default"))

        let none = try run(["config", "show", "--index", dir.appendingPathComponent("elsewhere.sqlite").path])
        #expect(none.stdout.hasPrefix("config file: none (looked for \(dir.appendingPathComponent("elsewhere.toml").path))"))
    }

    @Test func badFilesNameTheLineAndKey() throws {
        let dir = try CLI.temporaryDirectory("config-bad")
        let config = dir.appendingPathComponent("rag.toml").path
        let cases: [(String, String)] = [
            ("[retrieval]\nmode = \"dense\"\n\n# k\nk = \"five\"\n", "\(config):5: [retrieval] k: expected an integer ≥ 1, got \"five\""),
            ("[retrieval]\nk = 3\ntop_k = 3\n", "\(config):3: [retrieval] top_k: unknown key"),
            ("[answer]\ntemperature = 0.2\nstyle = \n", "\(config):3: "),
        ]
        for (text, expected) in cases {
            try text.write(toFile: config, atomically: true, encoding: .utf8)
            let r = try run(["config", "show", "--config", config])
            #expect(r.status == 2, "\(text)")
            #expect(r.stderr.contains(expected), "\(r.stderr)")
            let search = try run(["search", "anything", "--index", dir.appendingPathComponent("rag.sqlite").path])
            #expect(search.status == 2, "the file beside the index is read by search too")
            #expect(search.stderr.contains(expected))
        }
        let env = try run(["config", "show"], environment: ["RAG_RETRIEVAL_MODE": "fuzzy"])
        #expect(env.status == 2)
        #expect(env.stderr.contains("RAG_RETRIEVAL_MODE: [retrieval] mode: expected one of dense, keyword, hybrid, got \"fuzzy\""))
    }
}
