/// `rag tune`: searches retrieval, answer or chunking settings against an evaluation set (the search is `Tuning`),
/// reports defaults against the best on the tuning part and on the held-back part, and can write the best into
/// rag.toml.
import Answering
import ArgumentParser
import Benchmarks
import Dispatch
import Encoder
import Foundation
import Ingest
import RAGCore
import Retrieval
import Store
import Tuning

extension TuneSpaceName: ExpressibleByArgument {}

struct TuneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tune",
        abstract: "Search settings against an evaluation set and report how the best do on queries held back from the search.",
        discussion: """
            A BEIR set (--queries, --qrels: objective nDCG@10, as `rag eval`) or a QA set (--qa: objective token F1, \
            as `rag eval-qa`). The judged queries (questions) are split by --seed: --split of them for tuning, the \
            rest held back. The search (TPE, trial 0 at the defaults) scores settings on the tuning part only; the \
            held-back part is scored for the defaults and the best settings alone, after the search. The best is \
            the trial whose per-query gain over the defaults has the highest 95 % lower confidence bound on the \
            tuning part; the defaults stay when no bound is above 0.

            Spaces: retrieval (mode, fusion, RRF constant, dense weight, fusion depth; nprobe on an IVF index), \
            answer (QA sets: style short|extractive, k, reader passages, reader rank penalty, relevance floor), \
            chunking (BEIR sets: chunk tokens and overlap, each trial re-ingested into a scratch index), all. \
            --write stores the best settings in rag.toml beside the index (or --config). Ctrl-C stops after the \
            trial in progress and reports.
            """)

    @Option(help: "Corpus: BEIR corpus.jsonl, or for --qa a passages JSONL file or a folder of documents.") var corpus: String
    @Option(help: "BEIR queries.jsonl.") var queries: String?
    @Option(help: "BEIR qrels TSV (query-id, corpus-id, score).") var qrels: String?
    @Option(help: "QA set: JSONL of {\"id\",\"question\",\"answers\":[...],\"passage_ids\":[...]}.") var qa: String?
    @Option(help: "--qa: a seeded sample of N questions (by --seed) before the split.") var limit: Int?
    @Option(help: "Share of the queries the search tunes on; the rest are held back.") var split: Double = 0.5
    @Option(help: "Seed of the split and of the search.") var seed: UInt64 = 42
    @Option(help: "Trials, trial 0 being the defaults.") var trials: Int = 50
    @Option(help: "Start no new trial after this many minutes.") var budgetMinutes: Double?
    @Option(help: "Settings searched: retrieval, answer (QA sets), chunking (BEIR sets) or all (default: retrieval for BEIR sets, answer for QA sets).") var space: TuneSpaceName?
    @Flag(help: "Write the best settings into rag.toml beside the index (or --config).") var write = false
    @Option(help: "The TOML file --write writes (default: the index's path with .toml).") var config: String?
    @Option(help: "Index database (default Indexes/eval-<corpus name>.sqlite).") var index: String?
    @OptionGroup var modelOptions: ModelOptions
    @Flag(help: "Print the report as one JSON line.") var json = false
    @Flag(help: "BEIR sets: also train the query adapter on the tuning part (same split and seed), store it in the index when it beats the identity, and report held-back nDCG@10 with and without it (as `rag index adapt`).")
    var adapter = false

    var isQA: Bool { qa != nil }
    var chosenSpace: TuneSpaceName { space ?? (isQA ? .answer : .retrieval) }
    var indexPath: String { index ?? EvalCorpusIngest.defaultIndexPath(corpus: corpus) }

    func validate() throws {
        if isQA {
            guard queries == nil && qrels == nil else { throw ValidationError("give --qa, or --queries and --qrels, not both") }
            guard chosenSpace != .chunking else { throw ValidationError("--space chunking needs a BEIR set (--queries, --qrels)") }
        } else {
            guard queries != nil && qrels != nil else { throw ValidationError("give --queries and --qrels (a BEIR set), or --qa (a QA set)") }
            guard chosenSpace != .answer else { throw ValidationError("--space answer needs a QA set (--qa)") }
            guard limit == nil else { throw ValidationError("--limit applies to --qa") }
        }
        guard split > 0 && split <= 1 else { throw ValidationError("--split must be in (0, 1], got \(split)") }
        guard trials >= 1 else { throw ValidationError("--trials must be at least 1") }
        if let budgetMinutes, !(budgetMinutes > 0) { throw ValidationError("--budget-minutes must be positive") }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        if config != nil && !write { throw ValidationError("--config names the file --write writes: give --write too") }
        if adapter && isQA { throw ValidationError("--adapter needs a BEIR set (--queries, --qrels); for a QA set use rag index adapt --qa") }
    }

    func run() async throws {
        let stop = SetOnceFlag()
        // Ctrl-C: the first stops the search after the trial in progress (the report still comes); a second quits.
        signal(SIGINT, SIG_IGN)
        let interrupt = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        interrupt.setEventHandler {
            if stop.isSet { Foundation.exit(130) }
            stop.set()
            printError("rag: stopping after this trial (Ctrl-C again to quit)")
        }
        interrupt.resume()
        defer { interrupt.cancel() }

        var options = TuneOptions()
        options.trials = trials
        options.seed = seed
        options.budgetSeconds = budgetMinutes.map { $0 * 60 }
        options.stop = stop

        let start = Date()
        let models = try ModelLoader(directory: modelOptions.directory)
        let store = try IndexStore(path: indexPath)
        var scratch: URL?
        defer { if let scratch { try? FileManager.default.removeItem(at: scratch) } }
        let objective: any TuningObjective
        let ids: [String]
        var labelled: (queries: [String: String], qrels: Qrels)?
        let evaluationSet: String
        if let qa {
            (objective, ids) = try await qaObjective(qa: qa, store: store, models: models)
            evaluationSet = "\(qa) over \(corpus)"
        } else {
            let queryTexts = try asUsageError { try BEIRData.loadQueries(path: queries!) }
            let judged = try asUsageError { try BEIRData.loadQrels(path: qrels!) }
            let embedder = try models.encoder(precision: EncoderPrecision(modelID: try store.meta("embedding_model")))
            try EvalCorpusIngest.run(corpus: corpus, store: store, models: models, embedder: embedder, quiet: json)
            ids = judged.keys.sorted()
            labelled = (queryTexts, judged)
            evaluationSet = "\(queries!) + \(qrels!) over \(corpus)"
            let plan = try Retriever(store: store, embedder: embedder).denseIndex().plan.type
            let lists = try plan == .ivf ? store.meta("ivf_nlist").flatMap { Int($0) } : nil
            let retrieval = TuneSpaces.beirRetrieval(ivfLists: lists)
            switch chosenSpace {
            case .retrieval:
                objective = try RetrievalObjective(store: store, embedder: embedder, queries: queryTexts, qrels: judged, dimensions: retrieval)
            case .chunking, .all:
                let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rag-tune-\(ProcessInfo.processInfo.processIdentifier)")
                scratch = folder
                // Scratch indexes have no IVF: nprobe is not searched with re-chunking.
                let dims = TuneSpaces.chunking + (chosenSpace == .all ? TuneSpaces.beirRetrieval(ivfLists: nil) : [])
                objective = ChunkingObjective(corpus: corpus, counter: try models.wordPiece(), embedder: embedder, queries: queryTexts,
                                              qrels: judged, dimensions: dims, scratch: folder)
            case .answer:
                throw ValidationError("--space answer needs a QA set (--qa)")
            }
        }
        let split = QuerySplit(ids: ids, tuneFraction: self.split, seed: seed)
        guard !split.tuning.isEmpty else { throw ValidationError("--split \(self.split) of \(ids.count) queries leaves none to tune on") }

        let label = objective.name == "f1" ? "F1" : "nDCG@10"
        let width = String(trials).count
        let report = try await Tuner.run(objective, split: split, options: options) { trial, best in
            let n = String(trial.trial).leftPadded(to: width)
            printError("trial \(n)/\(trials)  \(trial.settings)  \(label) \(Self.format(trial.score, objective.name))  best \(Self.format(best, objective.name))")
        }
        var written: [String] = []
        var configPath: String?
        if write {
            let path = config ?? TuneConfigFile.path(forIndex: indexPath)
            written = try TuneConfigFile.write(report, space: objective.space, evaluationSet: evaluationSet, to: path)
            configPath = path
        }
        // The query adapter, trained on the same tuning part only and judged on the same held-back part.
        var adaptation: QueryAdaptation.Report?
        if adapter, let labelled {
            let encoder = try models.encoder(precision: EncoderPrecision(modelID: try store.meta("embedding_model")))
            adaptation = try QueryAdaptation.run(store: store, encoder: encoder, queries: labelled.queries, qrels: labelled.qrels,
                                                 tuneFraction: self.split, seed: seed).report
        }
        if json {
            guard let adaptation else { try printJSON(report); return }
            // The report's keys plus "adapter" (the `rag index adapt --json` report).
            var object = try JSONSerialization.jsonObject(with: JSONEncoder.snakeCase.encode(report)) as? [String: Any] ?? [:]
            object["adapter"] = try JSONSerialization.jsonObject(with: JSONEncoder.snakeCase.encode(adaptation))
            print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
            return
        }
        let f = { (x: Double?) in x.map { Self.format($0, objective.name) } ?? "-" }
        print("\(label)  space \(chosenSpace.rawValue)  split \(split.tuning.count) tuning / \(split.heldBack.count) held back (seed \(seed))  trials \(report.trials.count)\(report.stopped.map { "  (stopped: \($0))" } ?? "")")
        print("                 tuning   held-back")
        print("defaults         \(f(report.defaults.tuning))   \(f(report.defaults.heldBack))")
        print("best (trial \(String(report.best.trial ?? 0).leftPadded(to: 3)))  \(f(report.best.tuning))   \(f(report.best.heldBack))")
        print("best settings    \(report.best.settings.map(\.description) ?? "")")
        if report.best.trial == 0 {
            print("no trial's gain over the defaults on the tuning part cleared its 95 % lower confidence bound: the defaults stay")
        }
        print(String(format: "wall time        %.1f s (tune %.1f s)", Date().timeIntervalSince(start), report.seconds))
        if let chunking = objective as? ChunkingObjective {
            print("chunk texts embedded \(chunking.embedded.computed), reused from earlier trials \(chunking.embedded.reused)")
        }
        if let configPath { print("wrote \(configPath): \(written.joined(separator: ", "))") }
        if let adaptation {
            print(adaptation.training.lambda.map { String(format: "query adapter: kept (λ %.3g), stored in the index", $0) }
                  ?? "query adapter: no λ beat the identity in cross-validation on the tuning part; none stored")
            for m in adaptation.heldBack {
                print("held-back nDCG@10 \(m.mode): " + String(format: "without adapter %.4f  with %.4f  (%+.4f, %d queries)", m.plain, m.adapted, m.adapted - m.plain, m.queries))
            }
        }
    }

    static func format(_ x: Double, _ objective: String) -> String {
        String(format: objective == "f1" ? "%.2f" : "%.4f", x)
    }

    /// The QA objective: the corpus ingested as `rag eval-qa` does, the engine built once with the default answer
    /// options (short answers when the span reader's weights are there, else extractive), the questions sampled.
    func qaObjective(qa: String, store: IndexStore, models: ModelLoader) async throws -> (any TuningObjective, [String]) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: corpus, isDirectory: &isDirectory) else {
            throw RAGError(.notFound, "no corpus at \(corpus)")
        }
        guard isDirectory.boolValue || corpus.lowercased().hasSuffix(".jsonl") else {
            throw ValidationError("--corpus must be a .jsonl file or a folder")
        }
        let questions = QAQuestion.sample(try asUsageError { try QAQuestion.load(path: qa) }, limit: limit, seed: seed)
        guard !questions.isEmpty else { throw ValidationError("no questions in \(qa)") }
        guard Set(questions.map(\.id)).count == questions.count else { throw ValidationError("question ids in \(qa) must be unique") }

        let embedder = try models.encoder(precision: EncoderPrecision(modelID: try store.meta("embedding_model")))
        try EvalCorpusIngest.run(corpus: corpus, store: store, models: models, embedder: embedder, quiet: json)
        var answering = try AnswerEngineOptions.parse([])
        var recorder: RecordingContextRetriever?
        let wrap: (any ContextRetriever) -> any ContextRetriever = { base in
            let r = RecordingContextRetriever(base)
            recorder = r
            return r
        }
        var (engine, base) = try await answering.engine(store: store, modelOptions: modelOptions, cache: nil,
                                                        questions: questions.map(\.question), wrap: wrap)
        let readerAvailable = engine.defaultStyle == .short
        if !readerAvailable {
            // No span reader: extractive answers, without loading a generator.
            answering = try AnswerEngineOptions.parse(["--extractive"])
            (engine, base) = try await answering.engine(store: store, modelOptions: modelOptions, cache: nil,
                                                        questions: questions.map(\.question), wrap: wrap)
        }
        base.useCache = false
        let evaluation = QAEvaluation(engine: engine, recorder: recorder!,
                                      naming: PassageNaming(corpus: FileWalker.normalise(corpus), isFolder: isDirectory.boolValue),
                                      chunkTexts: { ids in try store.chunkHits(ids).mapValues(\.text) })
        var dims = TuneSpaces.answer(readerAvailable: readerAvailable)
        switch chosenSpace {
        case .answer: break
        case .retrieval: dims = TuneSpaces.qaRetrieval
        case .all: dims += TuneSpaces.qaRetrieval
        case .chunking: throw ValidationError("--space chunking needs a BEIR set (--queries, --qrels)")
        }
        return (QAObjective(evaluation: evaluation, base: base, questions: questions, dimensions: dims), questions.map(\.id))
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
