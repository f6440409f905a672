import Foundation
import TOMLKit
import Testing
@testable import Tuning

@Suite struct TuneConfigFileTests {
    let space = SearchSpace(name: "retrieval", dimensions: TuneSpaces.beirRetrieval(ivfLists: nil))

    func report() -> TuneReport {
        let best = TuneSettings(keys: space.dimensions.map(\.key),
                                values: [.text("dense"), .text("weighted"), .integer(17), .real(0.625), .integer(250)])
        return TuneReport(objective: "ndcg@10", split: .init(tuning: 6, heldBack: 6, seed: 42),
                          trials: [TrialRecord(trial: 0, settings: space.defaults, score: 0.5), TrialRecord(trial: 1, settings: best, score: 0.75)],
                          best: .init(trial: 1, settings: best, tuning: 0.75, heldBack: 0.7), defaults: .init(trial: nil, settings: space.defaults, tuning: 0.5, heldBack: 0.6),
                          seconds: 1, stopped: nil)
    }

    @Test func theTOMLPathIsTheIndexPathWithTOML() {
        #expect(TuneConfigFile.path(forIndex: "Indexes/rag.sqlite") == "Indexes/rag.toml")
        #expect(TuneConfigFile.path(forIndex: "/a/b.c/index") == "/a/b.c/index.toml")
    }

    @Test func writesTheBestFlaggedSettingsAndKeepsOtherKeys() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rag-tune-toml-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("rag.toml").path
        try "# old comment\n[serve]\nport = 9000\n\n[retrieval]\nk = 7\nmode = \"keyword\"\n".write(toFile: path, atomically: true, encoding: .utf8)

        let written = try TuneConfigFile.write(report(), space: space, evaluationSet: "tiny set", to: path)
        #expect(written == ["retrieval.mode", "retrieval.fusion", "retrieval.dense_weight"])
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasPrefix("# rag tune "))
        #expect(text.contains("tiny set") && text.contains("0.7000") && text.contains("rrf_k = 17") && text.contains("fusion_depth = 250"))
        let table = try TOMLTable(string: text)
        let retrieval = try #require(table["retrieval"]?.table)
        #expect(retrieval["mode"]?.string == "dense")
        #expect(retrieval["fusion"]?.string == "weighted")
        #expect(retrieval["dense_weight"]?.double == 0.625)
        #expect(retrieval["k"]?.int == 7)
        #expect(retrieval["rrf_k"] == nil && retrieval["fusion_depth"] == nil)
        #expect(table["serve"]?.table?["port"]?.int == 9000)
    }

    @Test func aFileThatDoesNotParseIsLeftAlone() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rag-tune-toml-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("rag.toml").path
        try "[retrieval\nmode = ".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: (any Error).self) { try TuneConfigFile.write(report(), space: space, evaluationSet: "x", to: path) }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "[retrieval\nmode = ")
    }
}
