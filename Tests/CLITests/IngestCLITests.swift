import Foundation
import Store
import TestSupport
import Testing

/// `rag ingest`, `rag search`, `rag stats` and `rag eval` run as real processes on real files and a real SQLite index.
@Suite(.serialized) struct IngestCLITests {
    let corpus = CLI.repoRoot.appendingPathComponent("Corpus").path

    @Test func corpusIngestsAndAnswersKeywordSearch() throws {
        let dir = try CLI.temporaryDirectory("corpus")
        let index = dir.appendingPathComponent("i.sqlite").path
        let ingest = try CLI.run(["ingest", corpus, "--index", index, "--no-embed", "--json"])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let summary = try #require(ingest.json)
        let files = try FileManager.default.subpathsOfDirectory(atPath: corpus).filter { !$0.hasSuffix("/") && $0.contains(".") }
        #expect(summary["files_changed"] as? Int == files.count)
        #expect((summary["chunks"] as? Int ?? 0) > files.count)

        let search = try CLI.run(["search", "which packages does the Makefile install", "--mode", "keyword", "-k", "3", "--index", index, "--json"])
        #expect(search.status == 0, "\(search.stderr)")
        let results = try #require(search.json?["results"] as? [[String: Any]])
        #expect(results.count == 3)
        for r in results {
            #expect((r["path"] as? String)?.hasPrefix(corpus) == true)
            for key in ["rank", "score", "path", "heading_path", "text", "chunk_id"] { #expect(r[key] != nil, "missing \(key)") }
        }
        #expect(results.map { $0["rank"] as? Int } == [1, 2, 3])

        let human = try CLI.run(["search", "libopenblas", "--index", index])
        #expect(human.stdout.contains("1. ") && human.stdout.contains("[libopenblas"))

        let stats = try CLI.run(["stats", "--index", index, "--json"])
        #expect(stats.json?["files"] as? Int == files.count)

        // A second run over the unchanged tree writes nothing.
        let again = try CLI.run(["ingest", corpus, "--index", index, "--no-embed", "--json"])
        #expect(again.status == 0)
        #expect(again.json?["files_changed"] as? Int == 0)
        #expect(again.json?["chunks"] as? Int == 0)
        #expect(again.json?["files_unchanged"] as? Int == files.count)
    }

    @Test func aChangedFileIsReplacedAndPruneRemovesDeletedOnes() throws {
        let dir = try CLI.temporaryDirectory("incremental")
        let docs = dir.appendingPathComponent("docs")
        try FileManager.default.createDirectory(at: docs, withIntermediateDirectories: true)
        let a = docs.appendingPathComponent("a.md"), b = docs.appendingPathComponent("b.txt")
        try "# Alpha\n\nThe aardvark digs burrows at dusk.\n".write(to: a, atomically: true, encoding: .utf8)
        try "Bees make honey in hives.\n".write(to: b, atomically: true, encoding: .utf8)
        let index = dir.appendingPathComponent("i.sqlite").path
        #expect(try CLI.run(["ingest", docs.path, "--index", index, "--no-embed"]).status == 0)

        try "# Alpha\n\nThe armadillo rolls into a ball.\n".write(to: a, atomically: true, encoding: .utf8)
        let changed = try CLI.run(["ingest", docs.path, "--index", index, "--no-embed", "--json"])
        #expect(changed.json?["files_changed"] as? Int == 1)
        #expect(try CLI.run(["search", "aardvark", "--index", index, "--json"]).json?["results"] as? [Any] == nil
            || (try CLI.run(["search", "aardvark", "--index", index, "--json"]).json?["results"] as? [Any])?.isEmpty == true)
        #expect((try CLI.run(["search", "armadillo", "--index", index, "--json"]).json?["results"] as? [Any])?.count == 1)

        try FileManager.default.removeItem(at: b)
        let kept = try CLI.run(["ingest", docs.path, "--index", index, "--no-embed", "--json"])
        #expect(kept.json?["files_removed"] as? Int == 0)
        #expect((try CLI.run(["search", "honey", "--index", index, "--json"]).json?["results"] as? [Any])?.count == 1)
        let pruned = try CLI.run(["ingest", docs.path, "--index", index, "--no-embed", "--prune", "--json"])
        #expect(pruned.json?["files_removed"] as? Int == 1)
        #expect((try CLI.run(["search", "honey", "--index", index, "--json"]).json?["results"] as? [Any])?.isEmpty == true)
    }

    @Test func usageErrorsExitWithTwo() throws {
        #expect(try CLI.run(["ingest"]).status == 2)
        #expect(try CLI.run(["search", "x", "-k", "0"]).status == 2)
        #expect(try CLI.run(["search", "x", "--mode", "sideways"]).status == 2)
        #expect(try CLI.run(["ingest", "x", "--chunk-tokens", "3"]).status == 2)
    }

    @Test func helpDocumentsTheExitCodesEveryErrorCodeMapsTo() throws {
        let r = try CLI.run(["--help"])
        #expect(r.status == 0)
        for line in ["Exit codes:", "2  invalid input", "3  not found", "4  a model or index that cannot be used", "5  busy"] {
            #expect(r.stdout.contains(line), "\(line) in \(r.stdout)")
        }
    }

    @Test func searchingAMissingIndexIsAClearError() throws {
        let r = try CLI.run(["search", "x", "--index", "/nonexistent/dir/i.sqlite"])
        #expect(r.status == 3, "index_not_found exits with the not-found status")
        #expect(r.stderr.contains("/nonexistent/dir/i.sqlite") && r.stderr.contains("rag ingest"))
    }

    @Test func evalScoresABEIRCorpusAndWritesATRECRunFile() throws {
        let dir = try CLI.temporaryDirectory("eval")
        let beir = try BEIRTestCorpus.write(to: dir)
        let (corpus, queries, qrels) = (beir.corpus, beir.queries, beir.qrels)
        let runFile = dir.appendingPathComponent("run.trec")
        let r = try CLI.run(["eval", "--corpus", corpus.path, "--queries", queries.path, "--qrels", qrels.path,
                             "--index", dir.appendingPathComponent("e.sqlite").path, "--run-file", runFile.path, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let m = try #require(r.json)
        #expect(m["ndcg@10"] as? Double == 1.0)
        #expect(m["mrr@10"] as? Double == 1.0)
        #expect(m["queries"] as? Int == 2)
        let lines = try String(contentsOf: runFile, encoding: .utf8).split(separator: "\n")
        #expect(lines.first?.split(separator: " ").count == 6)
        #expect(lines.first?.hasPrefix("q1 Q0 d1 1 ") == true)
    }
}

/// Ingest with the real encoder: every chunk gets a vector, and unchanged text is never embedded twice.
@Suite(.serialized) struct EmbeddingIngestCLITests {
    @Test func everyChunkIsEmbeddedAndARenamedFileComesFromTheCache() throws {
        let dir = try CLI.temporaryDirectory("embed")
        let docs = dir.appendingPathComponent("docs")
        try FileManager.default.createDirectory(at: docs, withIntermediateDirectories: true)
        for name in ["guide/installation.html", "guide/ingesting.md", "reference/encoder.xml", "glossary.txt"] {
            let src = CLI.repoRoot.appendingPathComponent("Corpus").appendingPathComponent(name)
            try FileManager.default.copyItem(at: src, to: docs.appendingPathComponent(src.lastPathComponent))
        }
        let index = dir.appendingPathComponent("i.sqlite").path
        let first = try CLI.run(["ingest", docs.path, "--index", index, "--json"])
        #expect(first.status == 0, "\(first.stderr)")
        let chunks = try #require(first.json?["chunks"] as? Int)
        #expect(chunks > 4)
        #expect(first.json?["embedded"] as? Int ?? 0 > 0)
        let stats = try CLI.run(["stats", "--index", index, "--json"]).json
        #expect(stats?["embeddings"] as? Int == chunks)

        try FileManager.default.moveItem(at: docs.appendingPathComponent("glossary.txt"), to: docs.appendingPathComponent("words.txt"))
        let renamed = try CLI.run(["ingest", docs.path, "--index", index, "--prune", "--json"])
        #expect(renamed.status == 0)
        #expect(renamed.json?["files_changed"] as? Int == 1)
        #expect(renamed.json?["embedded"] as? Int == 0, "a renamed file's chunks come from the embedding cache")
        #expect((renamed.json?["embedding_cache_hits"] as? Int ?? 0) > 0)

        // The default (auto) made int8 vectors for the new index and keeps to them; vectors of another precision are
        // not mixed in silently.
        #expect(try IndexStore(path: index, readOnly: true).meta("embedding_model")?.contains("/int8@") == true)
        let mixed = try CLI.run(["ingest", docs.path, "--index", index, "--encoder-precision", "fp32"])
        #expect(mixed.status == 4, "encoder_mismatch: an index that cannot be used as asked")
        #expect(mixed.stderr.contains("--reembed"))
        let replaced = try CLI.run(["ingest", docs.path, "--index", index, "--encoder-precision", "fp32", "--reembed", "--json"])
        #expect(replaced.status == 0, "\(replaced.stderr)")
        #expect(try CLI.run(["stats", "--index", index, "--json"]).json?["embeddings"] as? Int == chunks)
    }
}
