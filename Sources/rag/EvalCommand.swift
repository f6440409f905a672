/// `rag eval`: ingests a BEIR corpus through the normal pipeline, runs its queries and scores the run.
import ArgumentParser
import Benchmarks
import Encoder
import Foundation
import Ingest
import RAGCore
import Settings
import Retrieval
import Store

struct EvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Score retrieval on a BEIR dataset (nDCG@10, Recall@10, Recall@100, MRR@10).",
        discussion: "The corpus is ingested into --index (default Indexes/eval-<corpus name>.sqlite) and reused when unchanged. Documents are ranked by their best-scoring chunk."
    )

    @Option(help: "BEIR corpus.jsonl ({\"_id\",\"title\",\"text\"} per line).") var corpus: String
    @Option(help: "BEIR queries.jsonl.") var queries: String
    @Option(help: "BEIR qrels TSV (query-id, corpus-id, score).") var qrels: String
    @Option(name: .customLong("mode"), help: settingHelp(Setting.mode, "Retrieval mode: dense, keyword or hybrid.", default: "keyword")) var modeFlag: SearchMode?
    @Option(name: .customLong("index-type"), help: settingHelp(Setting.indexType, "Vector index for dense and hybrid: auto, flat, int8 or ivf (ivf is trained first when the index has none).")) var indexTypeFlag: VectorIndexType?
    @Option(name: .customLong("nprobe"), help: settingHelp(Setting.nprobe)) var nprobeFlag: Int?
    @Option(name: .customLong("fusion"), help: settingHelp(Setting.fusion)) var fusionFlag: SearchCommand.FusionChoice?
    @Option(name: .customLong("dense-weight"), help: settingHelp(Setting.denseWeight)) var denseWeightFlag: Double?
    @OptionGroup var configOptions: ConfigOptions

    /// `rag eval` ranks by keywords unless told otherwise (its own default; the table's is hybrid).
    var mode: SearchMode { CLISettings.choice(Setting.mode, modeFlag, commandDefault: .keyword) }
    var indexType: VectorIndexType { CLISettings.choice(Setting.indexType, indexTypeFlag) }
    var nprobe: Int? { CLISettings.current.int(Setting.nprobe, flag: nprobeFlag) }
    var fusion: SearchCommand.FusionChoice { CLISettings.choice(Setting.fusion, fusionFlag) }
    var denseWeight: Double { CLISettings.double(Setting.denseWeight, denseWeightFlag) }
    @Option(help: "Only chunks matching this condition (repeatable): path:GLOB, format:NAME, heading:TEXT, after:DATE, before:DATE.") var filter: [String] = []
    @Option(help: "Write the TREC run file here.") var runFile: String?
    @Option(help: "Index database (default Indexes/eval-<corpus name>.sqlite).") var index: String?
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var encoderOptions: EncoderOptions
    @OptionGroup var queryEncoding: QueryEncodingOptions
    @Flag(help: "Print one JSON line.") var json = false

    var indexPath: String { index ?? EvalCorpusIngest.defaultIndexPath(corpus: corpus) }

    func run() async throws {
        // Documents ranked per query: up to 1000, as trec_eval reads them. Built first, so bad flags exit 2 at once.
        let parameters = try SearchParameters(mode: mode, k: 1000, filter: try ChunkFilter(parsing: filter), indexType: indexType,
                                              nprobe: nprobe, fusion: fusion == .rrf ? .default : .weighted(dense: denseWeight, keyword: 1 - denseWeight))
        let queryTexts = try BEIRData.loadQueries(path: queries)
        let judged = try BEIRData.loadQrels(path: qrels)
        let models = try ModelLoader(directory: modelOptions.directory)
        let store = try IndexStore(path: indexPath)
        // Dense and hybrid need every chunk embedded; the pipeline backfills the vectors an existing index lacks.
        let embedder = mode == .keyword ? nil
            : try encoderOptions.embedder(modelsDirectory: modelOptions.directory, indexModel: try store.meta("embedding_model"))
        try EvalCorpusIngest.run(corpus: corpus, store: store, models: models, embedder: embedder, quiet: json)

        if let report = try RetrievalEvaluation.trainIVFIfMissing(store, mode: mode, indexType: indexType), !json {
            print("trained IVF: \(report.nlist) lists over \(report.vectors) vectors in \(String(format: "%.1f", report.seconds)) s")
        }
        // Documents were embedded by the full encoder above; queries go through the chosen query encoder and adapter.
        let queryEmbedder = try embedder.map { try RetrieverLoader.queryEmbedder(store: store, base: $0, encoding: queryEncoding.encoding) }
        let retriever = Retriever(store: store, embedder: queryEmbedder)
        let outcome = try RetrievalEvaluation.run(retriever, queries: queryTexts, qrels: judged, parameters: parameters)
        for qid in outcome.missingQueries { printError("rag: query \(qid) is in \(qrels) but not in \(queries); it scores 0") }
        if let runFile { try RetrievalEvaluation.trecText(outcome, mode: mode).write(toFile: runFile, atomically: true, encoding: .utf8) }
        let m = outcome.metrics
        if json {
            try printJSON(m)
        } else {
            print(String(format: "nDCG@10    %.4f\nRecall@10  %.4f\nRecall@100 %.4f\nMRR@10     %.4f", m.ndcgAt10, m.recallAt10, m.recallAt100, m.mrrAt10))
            let plan = mode == .keyword ? "" : "  vectors \((try? retriever.denseIndex().plan.type.rawValue) ?? "?")"
            print("queries \(m.queries)  mode \(mode.rawValue)\(plan)  index \(indexPath)  \(String(format: "%.1f", Double(outcome.queryIDs.count) / max(outcome.seconds, 1e-9))) queries/s")
        }
    }
}

extension EvalCommand: SettingsCommand {
    var settingsIndexPath: String? { indexPath }
    func validateSettings() throws {
        try encoderOptions.validate()
    }
}
