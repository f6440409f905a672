import Foundation
import Testing

/// `rag ingest --shards N` and search over the shards: same dense results as one file, clear errors for a missing
/// shard or a broken manifest.
@Suite(.serialized) struct ShardCLITests {
    @Test func shardedDenseSearchEqualsUnshardedAndMissingShardIsNamed() throws {
        let dir = try CLI.temporaryDirectory("shards")
        let docs = dir.appendingPathComponent("docs")
        try FileManager.default.createDirectory(at: docs, withIntermediateDirectories: true)
        let animals = ["platypus lays eggs and senses electric fields", "camels cross the desert storing fat",
                       "emperor penguins breed in the antarctic winter", "owls hunt at night in silent flight",
                       "bees dance to show where flowers are", "salmon swim upstream to spawn"]
        for (i, text) in animals.enumerated() {
            try "# Animal \(i)\n\nThe \(text).\n".write(to: docs.appendingPathComponent("a\(i).md"), atomically: true, encoding: .utf8)
        }
        let single = dir.appendingPathComponent("one.sqlite").path
        let sharded = dir.appendingPathComponent("sharded").path
        #expect(try CLI.run(["ingest", docs.path, "--index", single]).status == 0)
        let ingest = try CLI.run(["ingest", docs.path, "--index", sharded, "--shards", "3", "--json"])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        #expect(ingest.json?["files_changed"] as? Int == animals.count)
        let manifest = try String(contentsOfFile: sharded + "/manifest.json", encoding: .utf8)
        #expect(manifest.contains("shard-2.sqlite"))

        func results(_ index: String, _ mode: String) throws -> [String] {
            let r = try CLI.run(["search", "animals of cold places", "--mode", mode, "-k", "4", "--index", index, "--json"])
            #expect(r.status == 0, "\(r.stderr)")
            return ((r.json?["results"] as? [[String: Any]]) ?? []).compactMap { $0["path"] as? String }
        }
        #expect(try results(sharded, "dense") == results(single, "dense"))
        #expect(try results(sharded, "hybrid").count == 4)

        try FileManager.default.removeItem(atPath: sharded + "/shard-1.sqlite")
        let missing = try CLI.run(["search", "x", "--index", sharded])
        #expect(missing.status == 4)
        #expect(missing.stderr.contains("shard-1.sqlite"))
        try "not json".write(toFile: sharded + "/manifest.json", atomically: true, encoding: .utf8)
        let corrupt = try CLI.run(["search", "x", "--index", sharded])
        #expect(corrupt.status == 4)
        #expect(corrupt.stderr.contains("manifest"))
    }
}
