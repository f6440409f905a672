/// `rag eval`'s run: every judged query ranked by the retriever (documents by their best chunk), the TREC run
/// and the BEIR metrics over it.
import Foundation
import RAGCore
import Retrieval
import Store

public enum RetrievalEvaluation {
    public struct Outcome: Sendable {
        public var run: Run
        /// The judged query ids, sorted: the run file's query order.
        public var queryIDs: [String]
        public var metrics: MetricSummary
        /// Wall time of the ranking, for queries per second.
        public var seconds: Double
        /// Judged queries with no text in the queries file (they score 0).
        public var missingQueries: [String]
    }

    /// Trains the store's IVF when `indexType` asks for one and the store has none; the report, or nil when
    /// nothing was trained.
    public static func trainIVFIfMissing(_ store: IndexStore, mode: RetrievalMode, indexType: VectorIndexType) throws -> IVFTrainingReport? {
        guard mode != .keyword, indexType == .ivf, try store.ivfCentroids() == nil else { return nil }
        return try store.trainIVF()
    }

    /// Ranks the top `parameters.k` documents (1000 for trec_eval) of every judged query and scores the run
    /// against `qrels`.
    public static func run(_ retriever: Retriever, queries: [String: String], qrels: Qrels,
                           parameters: SearchParameters) throws -> Outcome {
        let qids = qrels.keys.sorted()
        var run: Run = [:]
        var missing: [String] = []
        let start = Date()
        for qid in qids {
            guard let text = queries[qid] else {
                missing.append(qid)
                continue
            }
            var docs: [String: Double] = [:]
            for (doc, score) in try retriever.rankDocuments(text, parameters) {
                docs[doc] = score
            }
            run[qid] = docs
        }
        let seconds = Date().timeIntervalSince(start)
        return Outcome(run: run, queryIDs: qids, metrics: RetrievalMetrics.evaluate(run: run, qrels: qrels),
                       seconds: seconds, missingQueries: missing)
    }

    /// The run in TREC format, one line per (query, document), tagged `rag-<mode>`.
    public static func trecText(_ outcome: Outcome, mode: RetrievalMode) -> String {
        RetrievalMetrics.trecLines(outcome.run, tag: "rag-\(mode.rawValue)", queryOrder: outcome.queryIDs).joined(separator: "\n") + "\n"
    }
}
