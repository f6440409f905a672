/// IR metrics with trec_eval/BEIR conventions, so `rag eval` prints what `shared/anchors/beir_eval.py` prints
/// for the same run file.

/// Relevance judgements: query id → document id → grade.
public typealias Qrels = [String: [String: Int]]

/// A ranked run: query id → document id → score.
public typealias Run = [String: [String: Double]]

public struct MetricSummary: Sendable, Codable, Equatable {
    public var ndcgAt10: Double
    public var recallAt10: Double
    public var recallAt100: Double
    public var mrrAt10: Double
    public var queries: Int

    enum CodingKeys: String, CodingKey {
        case ndcgAt10 = "ndcg@10", recallAt10 = "recall@10", recallAt100 = "recall@100", mrrAt10 = "mrr@10", queries
    }
}

public enum RetrievalMetrics {
    /// Documents of one query in trec_eval order: score descending, ties by document id descending.
    public static func ranked(_ docs: [String: Double]) -> [String] {
        docs.sorted { a, b in a.value != b.value ? a.value > b.value : a.key > b.key }.map(\.key)
    }

    /// Averages over every query with at least one relevant document; a query missing from the run scores 0.
    public static func evaluate(run: Run, qrels: Qrels) -> MetricSummary {
        var sums = (ndcg: 0.0, r10: 0.0, r100: 0.0, mrr: 0.0)
        var n = 0
        for (qid, judged) in qrels {
            let relevant = judged.values.filter { $0 > 0 }
            guard !relevant.isEmpty else { continue }
            n += 1
            let ranking = ranked(run[qid] ?? [:])
            var dcg = 0.0
            for (i, d) in ranking.prefix(10).enumerated() {
                if let g = judged[d], g > 0 { dcg += Double(g) / log2(Double(i + 2)) }
            }
            let ideal = relevant.sorted(by: >).prefix(10)
            var idcg = 0.0
            for (i, g) in ideal.enumerated() { idcg += Double(g) / log2(Double(i + 2)) }
            let isRel = ranking.map { (judged[$0] ?? 0) > 0 }
            sums.ndcg += dcg / idcg
            sums.r10 += Double(isRel.prefix(10).filter { $0 }.count) / Double(relevant.count)
            sums.r100 += Double(isRel.prefix(100).filter { $0 }.count) / Double(relevant.count)
            if let first = isRel.prefix(10).firstIndex(of: true) { sums.mrr += 1 / Double(first + 1) }
        }
        let d = Double(max(n, 1))
        return MetricSummary(ndcgAt10: sums.ndcg / d, recallAt10: sums.r10 / d, recallAt100: sums.r100 / d,
                             mrrAt10: sums.mrr / d, queries: n)
    }

    /// Lines of a TREC run file: `qid Q0 docid rank score tag`, ranks from 1 in trec_eval order.
    public static func trecLines(_ run: Run, tag: String, queryOrder: [String]) -> [String] {
        var lines: [String] = []
        for qid in queryOrder {
            guard let docs = run[qid] else { continue }
            for (i, d) in ranked(docs).enumerated() {
                lines.append("\(qid) Q0 \(d) \(i + 1) \(formatScore(docs[d]!)) \(tag)")
            }
        }
        return lines
    }

    /// Scores written with enough digits that re-reading them keeps the same order and the same metrics.
    static func formatScore(_ x: Double) -> String {
        "\(x)"
    }
}

#if canImport(Glibc)
import Glibc
#endif
