import Foundation
import TOMLKit
import TestSupport
import Testing

/// `rag tune` end to end with the real encoder: a small BEIR set (retrieval and chunking spaces) and a small QA set
/// (answer space, extractive and short answers without the generator).
@Suite(.serialized) struct TuneCLITests {
    static func beirSet() throws -> (URL, TuneTestSet.Files) {
        let dir = try CLI.temporaryDirectory("tune")
        return (dir, try TuneTestSet.write(to: dir))
    }

    static func tune(_ files: TuneTestSet.Files, index: String, _ extra: [String]) throws -> CLI.Result {
        try CLI.run(["tune", "--corpus", files.corpus.path, "--queries", files.queries.path, "--qrels", files.qrels.path,
                     "--index", index] + extra)
    }

    /// The JSON report without its wall time.
    static func withoutTime(_ json: [String: Any]) throws -> String {
        var j = json
        j.removeValue(forKey: "seconds")
        return String(decoding: try JSONSerialization.data(withJSONObject: j, options: [.sortedKeys]), as: UTF8.self)
    }

    @Test func aSeedGivesTheSameReportTwice() throws {
        let (dir, files) = try Self.beirSet()
        defer { try? FileManager.default.removeItem(at: dir) }
        let index = dir.appendingPathComponent("index.sqlite").path
        let args = ["--trials", "12", "--seed", "5", "--json"]
        let a = try Self.tune(files, index: index, args)
        #expect(a.status == 0, "\(a.stderr)")
        let b = try Self.tune(files, index: index, args)
        #expect(b.status == 0, "\(b.stderr)")
        let ja = try #require(a.json, "\(a.stdout)"), jb = try #require(b.json, "\(b.stdout)")
        #expect(try Self.withoutTime(ja) == Self.withoutTime(jb))

        #expect(Set(ja.keys) == ["objective", "split", "trials", "best", "defaults", "seconds"])
        #expect(ja["objective"] as? String == "ndcg@10")
        let split = try #require(ja["split"] as? [String: Any])
        #expect(split["tuning"] as? Int == 6 && split["held_back"] as? Int == 6 && split["seed"] as? Int == 5)
        let trials = try #require(ja["trials"] as? [[String: Any]])
        #expect(trials.count == 12 && trials.map { $0["trial"] as? Int } == Array(0..<12))
        let first = try #require(trials[0]["settings"] as? [String: Any])
        #expect(first["mode"] as? String == "hybrid" && first["fusion"] as? String == "rrf" && first["rrf_k"] as? Int == 60)
        let best = try #require(ja["best"] as? [String: Any]), defaults = try #require(ja["defaults"] as? [String: Any])
        #expect(Set(best.keys) == ["trial", "settings", "tuning", "held_back"] && Set(defaults.keys) == ["tuning", "held_back"])
        let scores = trials.compactMap { $0["score"] as? Double }
        let chosen = try #require(best["trial"] as? Int)
        #expect(best["tuning"] as? Double == scores[chosen] && defaults["tuning"] as? Double == scores[0])
        // One progress line per trial on standard error.
        #expect(a.stderr.split(separator: "\n").filter { $0.hasPrefix("trial ") }.count == 12)
        #expect(a.stderr.contains("nDCG@10"))
    }

    @Test func writeStoresTheBestSettingsBesideTheIndex() throws {
        let (dir, files) = try Self.beirSet()
        defer { try? FileManager.default.removeItem(at: dir) }
        let index = dir.appendingPathComponent("tiny.sqlite").path
        let toml = dir.appendingPathComponent("tiny.toml").path
        try "[serve]\nport = 9001\n".write(toFile: toml, atomically: true, encoding: .utf8)
        let r = try Self.tune(files, index: index, ["--trials", "10", "--seed", "2", "--write", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let best = try #require((r.json?["best"] as? [String: Any])?["settings"] as? [String: Any], "\(r.stdout)")
        let table = try TOMLTable(string: try String(contentsOfFile: toml, encoding: .utf8))
        let retrieval = try #require(table["retrieval"]?.table)
        #expect(retrieval["mode"]?.string == best["mode"] as? String)
        #expect(retrieval["fusion"]?.string == best["fusion"] as? String)
        let weight = try #require(retrieval["dense_weight"]?.double), bestWeight = try #require(best["dense_weight"] as? Double)
        #expect(abs(weight - bestWeight) < 1e-5)
        #expect(table["serve"]?.table?["port"]?.int == 9001)
        #expect(try String(contentsOfFile: toml, encoding: .utf8).contains(files.qrels.path))

        // The written file is what `rag config show` then reports for that index: every written key from the file,
        // with the value tune chose.
        let show = try CLI.run(["config", "show", "--json", "--index", index])
        #expect(show.status == 0, "\(show.stderr)")
        let settings = try #require(show.json?["settings"] as? [[String: Any]], "\(show.stdout)")
        func entry(_ key: String) -> [String: Any]? { settings.first { $0["key"] as? String == key } }
        #expect((show.json?["config_file"] as? String)?.hasSuffix("tiny.toml") == true)
        for key in ["retrieval.mode", "retrieval.fusion", "retrieval.dense_weight", "serve.port"] {
            #expect((entry(key)?["source"] as? String)?.hasPrefix("file ") == true, "\(key): \(entry(key) ?? [:])")
        }
        #expect(entry("retrieval.mode")?["value"] as? String == best["mode"] as? String)
        #expect(entry("retrieval.fusion")?["value"] as? String == best["fusion"] as? String)
        let shownWeight = try #require(entry("retrieval.dense_weight")?["value"] as? Double)
        #expect(abs(shownWeight - bestWeight) < 1e-5)
        #expect(entry("serve.port")?["value"] as? Int == 9001)
    }

    /// `--adapter`: the query adapter is trained on the same tuning part and judged on the same held-back part as the
    /// search, and reported beside it.
    @Test func adapterIsJudgedOnTheHeldBackPart() throws {
        let (dir, files) = try Self.beirSet()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try Self.tune(files, index: dir.appendingPathComponent("index.sqlite").path,
                              ["--trials", "3", "--seed", "4", "--adapter", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(r.json, "\(r.stdout)")
        let split = try #require(json["split"] as? [String: Any])
        let adapter = try #require(json["adapter"] as? [String: Any], "\(r.stdout)")
        #expect(adapter["seed"] as? Int == 4)
        #expect(adapter["tuning_queries"] as? Int == split["tuning"] as? Int)
        #expect(adapter["held_back_queries"] as? Int == split["held_back"] as? Int)
        let held = try #require(adapter["held_back"] as? [[String: Any]])
        #expect(Set(held.compactMap { $0["mode"] as? String }) == ["dense", "hybrid"])
        #expect(held.allSatisfy { ($0["plain"] as? Double).map { (0...1).contains($0) } == true })
        let bad = try CLI.run(["tune", "--corpus", files.corpus.path, "--qa", files.queries.path, "--adapter",
                               "--index", dir.appendingPathComponent("qa.sqlite").path])
        #expect(bad.status == 2 && bad.stderr.contains("--adapter"))
    }

    @Test func chunkingTrialsReingestIntoScratchIndexes() throws {
        let (dir, files) = try Self.beirSet()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try Self.tune(files, index: dir.appendingPathComponent("index.sqlite").path,
                              ["--space", "chunking", "--trials", "3", "--seed", "1"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("defaults") && r.stdout.contains("best (trial"))
        #expect(r.stderr.contains("chunk_tokens=200 chunk_overlap=32"))
    }

    @Test func aQASetTunesAnswersEndToEnd() throws {
        let (dir, corpus, qa) = try EvalQACLITests.dataset()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(["tune", "--corpus", corpus, "--qa", qa, "--index", dir.appendingPathComponent("index.sqlite").path,
                             "--trials", "4", "--split", "0.5", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let j = try #require(r.json, "\(r.stdout)")
        #expect(j["objective"] as? String == "f1")
        let split = try #require(j["split"] as? [String: Any])
        #expect(split["tuning"] as? Int == 3 && split["held_back"] as? Int == 3)
        let first = try #require((j["trials"] as? [[String: Any]])?.first?["settings"] as? [String: Any])
        #expect(first["k"] as? Int == 5 && first["min_relevance"] as? Double == 0.2)
        #expect((j["defaults"] as? [String: Any])?["held_back"] is Double)
    }

    @Test func contradictoryFlagsExitWithUsageErrors() throws {
        for args in [["tune", "--corpus", "c.jsonl"],
                     ["tune", "--corpus", "c.jsonl", "--queries", "q", "--qrels", "r", "--space", "answer"],
                     ["tune", "--corpus", "c.jsonl", "--qa", "qa.jsonl", "--space", "chunking"],
                     ["tune", "--corpus", "c.jsonl", "--queries", "q", "--qrels", "r", "--split", "0"],
                     ["tune", "--corpus", "c.jsonl", "--queries", "q", "--qrels", "r", "--config", "x.toml"]] {
            let r = try CLI.run(args)
            #expect(r.status == 2, "\(args): \(r.stderr)")
        }
    }
}
