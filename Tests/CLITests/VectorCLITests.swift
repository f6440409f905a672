import Foundation
import TestSupport
import Testing

/// `rag search --mode`, `rag index build --ivf`, `rag stats`, `rag eval --mode hybrid` and `rag bench search` as
/// real processes on a real index embedded by the real encoder.
@Suite(.serialized) struct VectorCLITests {
    static let docs = [
        "platypus.md": "# Platypus\n\nThe platypus lays eggs and senses prey by electroreception in rivers.\n",
        "camel.md": "# Camel\n\nCamels store fat in their humps to survive long crossings of the desert.\n",
        "penguin.txt": "Emperor penguins breed during the Antarctic winter, huddling against the cold.\n",
        "owl.md": "# Owl\n\nOwls hunt at night using silent flight and sharp hearing.\n",
    ]

    func embeddedIndex() throws -> (dir: URL, index: String) {
        let dir = try CLI.temporaryDirectory("vector")
        let docs = dir.appendingPathComponent("docs")
        try FileManager.default.createDirectory(at: docs, withIntermediateDirectories: true)
        for (name, text) in Self.docs { try text.write(to: docs.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        let index = dir.appendingPathComponent("i.sqlite").path
        let r = try CLI.run(["ingest", docs.path, "--index", index, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        return (dir, index)
    }

    func paths(_ r: CLI.Result) -> [String] {
        ((r.json?["results"] as? [[String: Any]]) ?? []).compactMap { ($0["path"] as? String).map { URL(fileURLWithPath: $0).lastPathComponent } }
    }

    @Test func searchModesIndexTypesAndFilters() throws {
        let (_, index) = try embeddedIndex()
        let dense = try CLI.run(["search", "which animal detects electric fields", "--mode", "dense", "-k", "2", "--index", index, "--json"])
        #expect(dense.status == 0, "\(dense.stderr)")
        #expect(paths(dense).first == "platypus.md")
        #expect(dense.json?["mode"] as? String == "dense")

        let hybrid = try CLI.run(["search", "Antarctic birds in winter", "--index", index, "--json"])
        #expect(hybrid.json?["mode"] as? String == "hybrid", "hybrid is the default")
        #expect(paths(hybrid).first == "penguin.txt")

        let int8 = try CLI.run(["search", "which animal detects electric fields", "--mode", "dense", "--index-type", "int8", "-k", "2", "--index", index, "--json"])
        #expect(paths(int8) == paths(dense))

        let build = try CLI.run(["index", "build", "--ivf", "--nlist", "2", "--index", index, "--json"])
        #expect(build.status == 0, "\(build.stderr)")
        #expect(build.json?["nlist"] as? Int == 2)
        let ivf = try CLI.run(["search", "which animal detects electric fields", "--mode", "dense", "--index-type", "ivf", "--nprobe", "2", "-k", "2", "--index", index, "--json"])
        #expect(paths(ivf) == paths(dense))

        let stats = try CLI.run(["stats", "--index", index, "--json"])
        let plan = try #require(stats.json?["vector_index"] as? [String: Any])
        #expect(plan["type"] as? String == "flat")
        #expect(plan["nlist"] as? Int == 2)
        #expect(try CLI.run(["stats", "--index", index]).stdout.contains("vector index flat"))

        let filtered = try CLI.run(["search", "animal", "--filter", "format:text", "-k", "4", "--index", index, "--json"])
        #expect(paths(filtered) == ["penguin.txt"])
        let badFilter = try CLI.run(["search", "animal", "--filter", "colour:red", "--index", index])
        #expect(badFilter.status == 2)
        #expect(badFilter.stderr.contains("colour"))
    }

    @Test func denseSearchOfAnIndexWithoutVectorsIsAClearError() throws {
        let dir = try CLI.temporaryDirectory("novec")
        let file = dir.appendingPathComponent("a.md")
        try "# A\n\nThe aardvark eats ants.\n".write(to: file, atomically: true, encoding: .utf8)
        let index = dir.appendingPathComponent("i.sqlite").path
        #expect(try CLI.run(["ingest", file.path, "--index", index, "--no-embed"]).status == 0)
        let dense = try CLI.run(["search", "aardvark", "--mode", "dense", "--index", index])
        #expect(dense.status == 4, "no_vectors: an index that cannot be used")
        #expect(dense.stderr.contains("no vectors"))
        let hybrid = try CLI.run(["search", "aardvark", "--index", index, "--json"])
        #expect(hybrid.status == 0)
        #expect(hybrid.json?["mode"] as? String == "keyword", "hybrid falls back to keywords on an index without vectors")
    }

    @Test func evalHybridScoresABEIRCorpus() throws {
        let dir = try CLI.temporaryDirectory("evalhybrid")
        let beir = try BEIRTestCorpus.write(to: dir)
        let (corpus, queries, qrels) = (beir.corpus, beir.queries, beir.qrels)
        for (mode, type) in [("hybrid", "flat"), ("dense", "int8"), ("dense", "ivf")] {
            let r = try CLI.run(["eval", "--corpus", corpus.path, "--queries", queries.path, "--qrels", qrels.path, "--mode", mode,
                                 "--index-type", type, "--index", dir.appendingPathComponent("e.sqlite").path, "--json"])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.json?["ndcg@10"] as? Double == 1.0, "\(mode) \(type)")
        }
    }

    @Test func benchSearchPrintsOneJSONLineWithRecallAgainstExact() throws {
        let dir = try CLI.temporaryDirectory("benchsearch")
        var state: UInt64 = 42
        func next() -> Float { state = state &* 6364136223846793005 &+ 1442695040888963407; return Float(Int64(bitPattern: state) >> 40) / Float(1 << 23) }
        let vectors = (0..<3000).map { _ in (0..<32).map { _ in next() } }
        let queries = (0..<20).map { _ in (0..<32).map { _ in next() } }
        let v = dir.appendingPathComponent("v.npy"), q = dir.appendingPathComponent("q.npy")
        try NumpyFile.write(vectors, to: v)
        try NumpyFile.write(queries, to: q)
        for type in ["flat", "int8", "ivf"] {
            var args = ["bench", "search", "--vectors", v.path, "--queries", q.path, "--index-type", type, "--repeats", "1"]
            if type == "ivf" { args += ["--target-recall", "0.9"] }
            let r = try CLI.run(args)
            #expect(r.status == 0, "\(r.stderr)")
            let j = try #require(r.json, "\(r.stdout)")
            for key in ["index_type", "n", "queries", "qps", "recall@10", "nprobe", "build_s", "index_mb"] { #expect(j[key] != nil, "\(type): missing \(key)") }
            #expect(j["index_type"] as? String == type)
            #expect(j["n"] as? Int == 3000 && j["queries"] as? Int == 20)
            let recall = try #require(j["recall@10"] as? Double)
            #expect(recall >= (type == "ivf" ? 0.9 : 0.99), "\(type) recall \(recall)")
        }
        #expect(try CLI.run(["bench", "search", "--vectors", v.path, "--queries", q.path, "-k", "0"]).status == 2)
    }
}
