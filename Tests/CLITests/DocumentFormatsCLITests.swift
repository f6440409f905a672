/// `rag ingest` on PDF and office documents and with `--redact`, through the built binary and a real SQLite index.
import Foundation
import Testing

@Suite(.serialized) struct DocumentFormatsCLITests {
    let fixtures = CLI.repoRoot.appendingPathComponent("Tests/Fixtures")

    @Test func officeAndPDFFilesAreIngestedAndSearchableWithTheirPage() throws {
        let dir = try CLI.temporaryDirectory("formats")
        let docs = dir.appendingPathComponent("docs")
        try FileManager.default.createDirectory(at: docs, withIntermediateDirectories: true)
        for name in ["report.pdf", "handbook.docx", "scanned.pdf"] {
            try FileManager.default.copyItem(at: fixtures.appendingPathComponent("documents/\(name)"), to: docs.appendingPathComponent(name))
        }
        let index = dir.appendingPathComponent("i.sqlite").path
        let ingest = try CLI.run(["ingest", docs.path, "--index", index, "--no-embed", "--json"])
        // The scan is reported once; the other two files are ingested.
        #expect(ingest.status == 1)
        let summary = try #require(ingest.json)
        #expect(summary["files_changed"] as? Int == 2)
        let problems = try #require(summary["problems"] as? [[String: Any]])
        #expect(problems.count == 1)
        #expect(problems.first?["code"] as? String == "no_text_layer")

        let pdf = try CLI.run(["search", "zebra finch population", "--mode", "keyword", "-k", "1", "--index", index, "--json"])
        let hit = try #require((pdf.json?["results"] as? [[String: Any]])?.first)
        #expect((hit["path"] as? String)?.hasSuffix("report.pdf") == true)
        #expect("\(hit["heading_path"] ?? "")".contains("p. 3"))
        let docx = try CLI.run(["search", "worm castings loam", "--mode", "keyword", "-k", "1", "--index", index, "--json"])
        #expect(((docx.json?["results"] as? [[String: Any]])?.first?["path"] as? String)?.hasSuffix("handbook.docx") == true)
    }

    @Test func redactReplacesPlantedDataRecordsTheChoiceAndCountsPerKind() throws {
        let dir = try CLI.temporaryDirectory("redact")
        let index = dir.appendingPathComponent("i.sqlite").path
        let planted = fixtures.appendingPathComponent("redaction/planted.txt").path
        let ingest = try CLI.run(["ingest", planted, "--index", index, "--no-embed", "--redact", "all", "--json"])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let counts = try #require(ingest.json?["redactions"] as? [String: Int])
        #expect(counts == ["email": 1, "phone": 2, "card": 2, "iban": 2, "ip": 2, "secret": 5])

        // Nothing personal reached SQLite or FTS5.
        for term in ["jane.doe", "4111", "AKIAIOSFODNN7EXAMPLE"] {
            let search = try CLI.run(["search", term, "--mode", "keyword", "--index", index, "--json"])
            for r in search.json?["results"] as? [[String: Any]] ?? [] { #expect(!"\(r["text"] ?? "")".contains(term)) }
        }
        let placeholder = try CLI.run(["search", "EMAIL", "--mode", "keyword", "--index", index, "--json"])
        #expect(((placeholder.json?["results"] as? [[String: Any]])?.first?["text"] as? String)?.contains("[EMAIL]") == true)

        let stats = try CLI.run(["stats", "--index", index, "--json"])
        #expect(stats.json?["redaction"] as? String == "email,phone,card,iban,ip,secret")
        let human = try CLI.run(["stats", "--index", index])
        #expect(human.stdout.contains("redaction   email,phone,card,iban,ip,secret"))

        let bad = try CLI.run(["ingest", planted, "--index", index, "--redact", "passport"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("passport"))
    }
}
