/// `rag eval-qa`: answer quality end to end. Ingests the passages through the normal pipeline, asks every question
/// through the engine `rag ask` uses and scores the answers as SQuAD v1.1 does (the run is `QAEvaluation`).
import Answering
import ArgumentParser
import Benchmarks
import Encoder
import Foundation
import Ingest
import RAGCore
import Store

extension QASplit: ExpressibleByArgument {}

struct EvalQACommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval-qa",
        abstract: "Score answers end to end on a QA set with short gold answers (exact match, token F1, gold-passage hits).",
        discussion: """
            The corpus (a BEIR-style passages.jsonl, or a folder of documents) is ingested into --index and reused when \
            unchanged; retrieval is always open over all of it. Every question is asked as `rag ask` would (answer \
            cache off), and its short answer, else its answer without citation markers, is scored against the gold \
            answers with the SQuAD v1.1 normalisation (the numbers of ../shared/eval/qa-dev/qa_score.py \
            --only-predicted on the same predictions). The not-in-documents answer scores as an empty prediction.

            Passage ids are the `_id`s of a JSONL corpus, or paths relative to a corpus folder; hit@1 and hit@k say \
            whether a gold passage was the first / among the k chunks retrieved. `invented` counts short answers that \
            are not verbatim spans of the chunks the answer used (yes/no excepted).

            --split is for qa-dev (SQuAD v1.1 dev, passage ids a<article>p<paragraph>): train = articles 0–23, test = \
            articles 24–47; the project tunes on train and reports on a seeded sample of test. validation = articles \
            22–23: held out of the span reader's training (articles 0–21), where reader settings are chosen. --seed picks the \
            --limit sample (default 0) and is also the generator's seed.
            """)

    @Option(help: "Passages: a JSONL file ({\"_id\",\"title\",\"text\"} per line) or a folder of documents.") var corpus: String
    @Option(help: "Questions: JSONL of {\"id\",\"question\",\"answers\":[...],\"passage_ids\":[...]}.") var qa: String
    @Option(help: "Ask a seeded sample of N questions (in file order).") var limit: Int?
    @Option(help: "qa-dev questions by article: all, train (articles 0–23), validation (22–23) or test (24–47).") var split: QASplit = .all
    @Flag(help: "Give the reader only each question's gold passages (the reader-alone figure).") var goldPassage = false
    @Option(help: "Index database (default Indexes/eval-<corpus name>.sqlite).") var index: String?
    @Option(help: "Write one JSON line per question here.") var predictions: String?
    @OptionGroup var answering: AnswerEngineOptions
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var configOptions: ConfigOptions
    @Flag(help: "Print one JSON line.") var json = false

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    var indexPath: String { index ?? EvalCorpusIngest.defaultIndexPath(corpus: corpus) }

    func run() async throws {
        _ = try answering.parameters()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: corpus, isDirectory: &isDirectory) else {
            throw RAGError(.notFound, "no corpus at \(corpus)")
        }
        guard isDirectory.boolValue || corpus.lowercased().hasSuffix(".jsonl") else {
            throw ValidationError("--corpus must be a .jsonl file or a folder")
        }
        let all = try asUsageError { try QAQuestion.load(path: qa) }
        let chosen = try asUsageError { try split.select(all) }
        let questions = QAQuestion.sample(chosen, limit: limit, seed: answering.generation.seed ?? 0)
        guard !questions.isEmpty else { throw ValidationError("no questions to ask (\(qa), split \(split.rawValue))") }

        let models = try ModelLoader(directory: modelOptions.directory)
        let store = try IndexStore(path: indexPath)
        // Dense and hybrid need every chunk embedded; the pipeline backfills the vectors an existing index lacks.
        let embedder = answering.mode == .keyword ? nil
            : try models.encoder(precision: EncoderPrecision(modelID: try store.meta("embedding_model")))
        try EvalCorpusIngest.run(corpus: corpus, store: store, models: models, embedder: embedder, quiet: json)

        var recorder: RecordingContextRetriever?
        let (engine, options) = try await answering.engine(store: store, modelOptions: modelOptions, cache: nil,
                                                           questions: questions.map(\.question)) { base in
            let r = RecordingContextRetriever(base)
            recorder = r
            return r
        }
        var evaluation = QAEvaluation(engine: engine, recorder: recorder!,
                                      naming: PassageNaming(corpus: FileWalker.normalise(corpus), isFolder: isDirectory.boolValue),
                                      chunkTexts: { ids in try store.chunkHits(ids).mapValues(\.text) })
        evaluation.goldPassage = goldPassage
        let showProgress = !json && isatty(2) == 1
        let outcome = try await evaluation.run(questions, options: options) { done, total in
            if showProgress && (done % 10 == 0 || done == total) { FileHandle.standardError.write(Data("\ranswered \(done)/\(total)".utf8)) }
        }
        if showProgress { printError("") }

        if let predictions {
            var text = ""
            let encoder = JSONEncoder.snakeCase
            for p in outcome.predictions { text += String(decoding: try encoder.encode(p), as: UTF8.self) + "\n" }
            try text.write(toFile: predictions, atomically: true, encoding: .utf8)
        }
        let m = outcome.metrics
        if json {
            try printJSON(m)
            return
        }
        func rate(_ x: Double?) -> String { x.map { String(format: "%.4f", $0) } ?? "-" }
        print(String(format: "EM        %.2f\nF1        %.2f", m.em, m.f1))
        print("hit@1     \(rate(m.hitAt1))\nhit@k     \(rate(m.hitAtK))  (k = \(options.search.k))")
        print("cited@1   \(rate(m.citedAt1))  (the answer's first source)")
        print("invented  \(m.invented)")
        print(String(format: "latency   p50 %.3f s  p95 %.3f s", m.latencyP50S, m.latencyP95S))
        print("prompt tokens p50 \(m.promptTokensP50)")
        let how = answering.chosenStyle.rawValue
        print("questions \(m.n)  split \(split.rawValue)  mode \(options.search.mode.rawValue)  \(how)\(goldPassage ? "  gold passage" : "")  index \(indexPath)")
    }
}

extension EvalQACommand: SettingsCommand {
    var settingsIndexPath: String? { indexPath }
    func validateSettings() throws {
        try validate()
        try answering.validate()
    }
}
