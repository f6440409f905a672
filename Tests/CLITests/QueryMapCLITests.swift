import Foundation
import Testing

/// `rag index distill|adapt` and `--query-encoder`/`--no-adapter` end to end: the real binary, encoder and index.
@Suite(.serialized) struct QueryMapCLITests {
    static let index = CLI.corpusIndex("query-maps")

    @Test func distilledQueryEncoderIsRefusedUntilFittedThenSearches() throws {
        let query = ["search", "how are shards merged", "--index", Self.index, "--mode", "dense", "--json"]
        let before = try CLI.run(query + ["--query-encoder", "distilled"])
        #expect(before.status == 2 && before.stderr.contains("rag index distill"), "\(before.stderr)")

        let fit = try CLI.run(["index", "distill", "--layers", "2", "--sample", "500", "--index", Self.index, "--json"])
        #expect(fit.status == 0, "\(fit.stderr)")
        let report = try #require(fit.json)
        #expect(report["layers"] as? Int == 2)
        #expect(((report["chunk_cosine"] as? [String: Any])?["mean"] as? Double ?? 0) > 0.8)

        let full = try #require(try CLI.run(query).json?["results"] as? [[String: Any]])
        let distilled = try #require(try CLI.run(query + ["--query-encoder", "distilled"]).json?["results"] as? [[String: Any]])
        #expect(distilled.count == full.count && !full.isEmpty)
        // Near the full encoder: the two top 5s share chunks.
        let fullIDs = Set(full.compactMap { $0["chunk_id"] as? Int })
        #expect(!fullIDs.isDisjoint(with: distilled.compactMap { $0["chunk_id"] as? Int }))

        let removed = try CLI.run(["index", "distill", "--remove", "--index", Self.index, "--json"])
        #expect(removed.json?["removed"] as? Bool == true)
    }

    @Test func adaptNeedsLabelsAndRemoveReports() throws {
        #expect(try CLI.run(["index", "adapt", "--index", Self.index]).status == 2)
        #expect(try CLI.run(["index", "adapt", "--qa", "x.jsonl", "--split", "1", "--index", Self.index]).status == 2)
        let r = try CLI.run(["index", "adapt", "--remove", "--index", Self.index, "--json"])
        #expect(r.status == 0 && r.json?["removed"] as? Bool == false, "\(r.stderr)")
        #expect(try CLI.run(["search", "shards", "--index", Self.index, "--no-adapter", "--json"]).status == 0)
    }
}
