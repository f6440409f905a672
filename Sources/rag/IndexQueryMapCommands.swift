/// `rag index adapt` (the query adapter) and `rag index distill` (the distilled query encoder): fitted on the
/// index's own data and stored in it.
import Adaptation
import ArgumentParser
import Benchmarks
import Encoder
import Foundation
import RAGCore
import Store

struct IndexAdaptCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adapt", abstract: "Train the query adapter on labelled queries and store it in the index.",
        discussion: """
            The judged queries are split (seeded); the adapter (a 384×384 map of query vectors, ridge regression toward \
            the identity, its strength chosen by 5-fold cross-validation) is fitted on the tuning part only and kept \
            only when it beats the identity there. Prints held-back nDCG@10 with and without it (dense and hybrid). \
            Search, ask, eval and serve then apply it to query vectors (turn off with --no-adapter).
            """)

    @OptionGroup var indexOptions: IndexOptions
    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "BEIR queries.jsonl.") var queries: String?
    @Option(help: "BEIR qrels TSV (query-id, corpus-id, score).") var qrels: String?
    @Option(help: "QA file (JSONL with \"passage_ids\") instead of --queries/--qrels.") var qa: String?
    @Option(help: "Fraction of the judged queries to train on; the rest are held back for the report.") var split = 0.5
    @Option(help: "Seed of the split and of the cross-validation folds.") var seed: UInt64 = 42
    @Flag(help: "Remove the index's query adapter.") var remove = false
    @Flag(help: "Print one JSON object.") var json = false

    func validate() throws {
        if remove { return }
        guard (qa != nil) != (queries != nil || qrels != nil) else { throw ValidationError("give --queries and --qrels, or --qa") }
        if qa == nil && (queries == nil || qrels == nil) { throw ValidationError("--queries and --qrels go together") }
        guard split > 0 && split < 1 else { throw ValidationError("--split must be between 0 and 1 (exclusive), got \(split)") }
    }

    func run() async throws {
        let store = try IndexStore(path: indexOptions.path)
        if remove {
            let had = try store.removeQueryMap(.adapter)
            if json { try printJSON(["removed": had]) } else { print(had ? "removed the query adapter of \(indexOptions.path)" : "\(indexOptions.path) has no query adapter") }
            return
        }
        let labelled: (queries: [String: String], qrels: Qrels)
        if let qa {
            labelled = QueryAdaptation.labelled(try asUsageError { try QAQuestion.load(path: qa) })
        } else {
            labelled = (try BEIRData.loadQueries(path: queries!), try BEIRData.loadQrels(path: qrels!))
        }
        let encoder = try ModelLoader(directory: modelOptions.directory).encoder(precision: EncoderPrecision(modelID: try store.meta("embedding_model")))
        let (_, report) = try QueryAdaptation.run(store: store, encoder: encoder, queries: labelled.queries, qrels: labelled.qrels,
                                                  tuneFraction: split, seed: seed)
        if json { try printJSON(report); return }
        let t = report.training
        print("split seed \(report.seed): \(report.tuningQueries) tuning queries (\(report.trainingExamples) with relevant chunks in the index, \(t.pairs) pairs), \(report.heldBackQueries) held back")
        print(String(format: "cross-validation (%d folds) nDCG@10: identity %.4f", t.folds, t.identityScore)
              + t.scores.map { String(format: ", λ %.3g %.4f", $0.lambda, $0.score) }.joined())
        if let lambda = t.lambda {
            print(String(format: "kept the adapter (λ %.3g); stored in ", lambda) + indexOptions.path)
        } else {
            print("no λ beat the identity in cross-validation: no adapter stored")
        }
        for m in report.heldBack {
            print("held-back nDCG@10 \(m.mode): " + String(format: "without %.4f  with %.4f  (%+.4f, %d queries)", m.plain, m.adapted, m.adapted - m.plain, m.queries))
        }
    }
}

struct IndexDistillCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "distill", abstract: "Fit the distilled query encoder (first L encoder layers + a linear map) and store it in the index.",
        discussion: """
            The map is fitted by ridge regression so that the truncated encoder's pooled vectors match the full \
            encoder's on a seeded sample of the index's own chunks (their stored vectors) and on each sampled chunk's \
            first sentence (query-length inputs). No labels needed. Use it with --query-encoder distilled.
            """)

    @OptionGroup var indexOptions: IndexOptions
    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "Encoder layers the query encoder runs (1 to the encoder's layers minus 1).") var layers: Int?
    @Option(help: "Chunks sampled for the fit.") var sample = 4000
    @Flag(help: "Fit on chunks only, without their first sentences.") var noSentences = false
    @Option(help: "Ridge strength (times inputs / dimension; default: the best of 0.001, 0.01, 0.1, 1, 10 on a held-out 10%).") var lambda: Double?
    @Option(help: "Seed of the chunk sample.") var seed: UInt64 = 42
    @Flag(help: "Remove the index's distilled query encoder.") var remove = false
    @Flag(help: "Print one JSON object.") var json = false

    func validate() throws {
        if remove { return }
        guard layers != nil else { throw ValidationError("give --layers L") }
        guard sample >= 500 else { throw ValidationError("--sample must be at least 500, got \(sample)") }
        if let lambda, !(lambda.isFinite && lambda > 0) { throw ValidationError("--lambda must be positive") }
    }

    func run() async throws {
        let store = try IndexStore(path: indexOptions.path)
        if remove {
            let had = try store.removeQueryMap(.distilled)
            if json { try printJSON(["removed": had]) } else { print(had ? "removed the distilled query encoder of \(indexOptions.path)" : "\(indexOptions.path) has no distilled query encoder") }
            return
        }
        let encoder = try ModelLoader(directory: modelOptions.directory).encoder(precision: EncoderPrecision(modelID: try store.meta("embedding_model")))
        let (distilled, report) = try QueryEncoderDistiller.fit(encoder: encoder, store: store, layers: layers!, sampleChunks: sample,
                                                                sentences: !noSentences, lambda: lambda, seed: seed)
        var map = distilled.stored
        map.info = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
        try store.setQueryMap(map)
        if json { try printJSON(report); return }
        print("fitted the distilled query encoder (\(report.layers) of \(encoder.config.layers) layers) on \(report.chunks) chunks and \(report.sentences) first sentences in \(String(format: "%.1f", report.seconds)) s; stored in \(indexOptions.path)")
        print(String(format: "λ %.3g", report.lambda) + report.lambdaScores.map { String(format: "; held-out cosine at λ %.3g: %.4f", $0.lambda, $0.validationCosine) }.joined())
        func line(_ name: String, _ c: DistillationReport.CosineSummary, _ u: DistillationReport.CosineSummary) -> String {
            "cosine to the full encoder, \(name): " + String(format: "mean %.4f, 1st percentile %.4f, min %.4f (without the map: mean %.4f, min %.4f)",
                   c.mean, c.p01, c.min, u.mean, u.min)
        }
        print(line("chunks", report.chunkCosine, report.unmappedChunkCosine))
        if report.sentences > 0 { print(line("sentences", report.sentenceCosine, report.unmappedSentenceCosine)) }
    }
}
