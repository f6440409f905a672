import Foundation
@testable import RAGCore
import TestSupport
import Testing

/// The repository root and the shared folder beside it.
let repoRoot = Paths.root
let sharedDir = Paths.shared

@Suite struct RetrievalMetricsTests {
    @Test func handComputedQueryScoresAsTrecEvalDoes() {
        let qrels: Qrels = ["q1": ["d1": 1, "d3": 1], "q2": ["d9": 1], "q3": ["d5": 0]]
        let run: Run = ["q1": ["d1": 3.0, "d2": 2.0, "d3": 1.0], "q2": ["d4": 1.0]]
        let m = RetrievalMetrics.evaluate(run: run, qrels: qrels)
        // q3 has no relevant document and is not counted; q2 finds nothing relevant.
        #expect(m.queries == 2)
        let dcg = 1.0 + 1.0 / log2(4.0)
        let idcg = 1.0 + 1.0 / log2(3.0)
        #expect(abs(m.ndcgAt10 - (dcg / idcg) / 2) < 1e-12)
        #expect(m.recallAt10 == 0.5 && m.mrrAt10 == 0.5)
    }

    @Test func tiesAreBrokenByDocumentIDDescending() {
        #expect(RetrievalMetrics.ranked(["a": 1, "c": 1, "b": 2]) == ["b", "c", "a"])
    }

    @Test func metricsEqualTheReferenceScorerOnTheSameRunFile() throws {
        // A synthetic run with ties, misses and long lists, scored by us and by shared/anchors/beir_eval.py.
        var rng = SystemRandomNumberGenerator()
        var qrels: Qrels = [:]
        var run: Run = [:]
        for q in 0..<40 {
            let qid = "q\(q)"
            for d in 0..<Int.random(in: 1...4, using: &rng) { qrels[qid, default: [:]]["d\(Int.random(in: 0..<150, using: &rng))"] = 1 + d % 2 }
            if q % 7 == 3 { continue }  // missing from the run
            for d in 0..<150 where Int.random(in: 0..<3, using: &rng) > 0 {
                run[qid, default: [:]]["d\(d)"] = Double(Int.random(in: 0..<40, using: &rng)) / 4  // many ties
            }
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rag-metrics-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let runPath = dir.appendingPathComponent("run.trec").path
        let qrelsPath = dir.appendingPathComponent("qrels.tsv").path
        try (RetrievalMetrics.trecLines(run, tag: "t", queryOrder: run.keys.sorted()).joined(separator: "\n") + "\n")
            .write(toFile: runPath, atomically: true, encoding: .utf8)
        var q = "query-id\tcorpus-id\tscore\n"
        for (qid, docs) in qrels { for (d, g) in docs { q += "\(qid)\t\(d)\t\(g)\n" } }
        try q.write(toFile: qrelsPath, atomically: true, encoding: .utf8)

        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", sharedDir.appendingPathComponent("anchors/beir_eval.py").path, runPath, qrelsPath, "--json"]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let ref = try JSONSerialization.jsonObject(with: out.fileHandleForReading.readDataToEndOfFile()) as! [String: Any]
        let ours = RetrievalMetrics.evaluate(run: run, qrels: qrels)
        #expect(abs(ours.ndcgAt10 - (ref["ndcg@10"] as! Double)) < 1e-5)
        #expect(abs(ours.recallAt10 - (ref["recall@10"] as! Double)) < 1e-5)
        #expect(abs(ours.recallAt100 - (ref["recall@100"] as! Double)) < 1e-5)
        #expect(abs(ours.mrrAt10 - (ref["mrr@10"] as! Double)) < 1e-5)
        #expect(ours.queries == ref["queries"] as! Int)
    }
}
