/// End-to-end answer quality (`rag eval-qa`): asks every question through the answer engine, scores the short
/// answer (else the answer) against the gold answers as SQuAD v1.1 does, and reports gold-passage hits, short
/// answers that are not spans of their context, latency and prompt size.
import Answering
import Foundation
import RAGCore
import Retrieval
import Store

public struct QAEvaluation {
    public let engine: AnswerEngine
    /// The engine's retriever, wrapped: the source of the gold-passage hits.
    public let recorder: RecordingContextRetriever
    public let naming: PassageNaming
    /// Chunk texts by id, for chunks an answer used that its retrieval did not return (the index's `chunkHits`).
    public let chunkTexts: ([Int64]) throws -> [Int64: String]
    /// Give the reader only each question's gold passages (a path filter on them, the relevance floor as the
    /// caller set it): the reader-alone figure.
    public var goldPassage = false

    /// `engine` must have been built on `recorder`.
    public init(engine: AnswerEngine, recorder: RecordingContextRetriever, naming: PassageNaming,
                chunkTexts: @escaping ([Int64]) throws -> [Int64: String]) {
        self.engine = engine
        self.recorder = recorder
        self.naming = naming
        self.chunkTexts = chunkTexts
    }

    /// One line of `--predictions`.
    public struct Prediction: Encodable, Sendable {
        public var id: String
        public var question: String
        /// What was scored: the short answer, else the answer without its citation markers; "" when the engine
        /// found nothing (the not-in-documents answer).
        public var prediction: String
        public var answer: String
        public var shortAnswer: String?
        public var gold: [String]
        /// 0 or 1, and token F1 in [0, 1], best over the gold answers.
        public var em: Double
        public var f1: Double
        /// The 1-based rank of the first gold passage among the chunks retrieved; nil when none was retrieved or
        /// the question names no passage.
        public var hit: Int?
        /// The answer's first source (the chunk a short answer was read from, else retrieval's first) is a gold
        /// passage; nil when the question names no passage or the answer has no source.
        public var citedGold: Bool?
        public var latencyS: Double
        public var promptTokens: Int
        /// The short answer is not a verbatim span of a chunk the answer used.
        public var invented: Bool

        public init(id: String, question: String, prediction: String, answer: String, shortAnswer: String?, gold: [String],
                    em: Double, f1: Double, hit: Int?, citedGold: Bool? = nil, latencyS: Double, promptTokens: Int, invented: Bool) {
            self.id = id; self.question = question; self.prediction = prediction; self.answer = answer
            self.shortAnswer = shortAnswer; self.gold = gold; self.em = em; self.f1 = f1; self.hit = hit; self.citedGold = citedGold
            self.latencyS = latencyS; self.promptTokens = promptTokens; self.invented = invented
        }

        enum CodingKeys: String, CodingKey {
            case id, question, prediction, answer, shortAnswer = "short_answer", gold, em, f1, hit, citedGold = "cited_gold"
            case latencyS = "latency_s", promptTokens = "prompt_tokens", invented
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(question, forKey: .question)
            try c.encode(prediction, forKey: .prediction)
            try c.encode(answer, forKey: .answer)
            try c.encode(shortAnswer, forKey: .shortAnswer)
            try c.encode(gold, forKey: .gold)
            try c.encode(em, forKey: .em)
            try c.encode(RoundedNumber(f1, decimals: 6), forKey: .f1)
            try c.encode(hit, forKey: .hit)
            try c.encode(citedGold, forKey: .citedGold)
            try c.encode(RoundedNumber(latencyS), forKey: .latencyS)
            try c.encode(promptTokens, forKey: .promptTokens)
            try c.encode(invented, forKey: .invented)
        }
    }

    /// The figures of a run (`--json` prints them as one line).
    public struct Metrics: Encodable, Sendable {
        /// Exact match and token F1 in percent, as `qa_score.py --only-predicted` computes them (unrounded here).
        public var em: Double
        public var f1: Double
        public var n: Int
        /// Share of the questions with passage ids whose gold passage was retrieved first / among the k retrieved;
        /// nil when no question names a passage.
        public var hitAt1: Double?
        public var hitAtK: Double?
        /// Share of the questions with passage ids whose answer's first source is a gold passage: rank-1 precision
        /// after the reader has chosen its chunk (`hit@1` is retrieval's own order). Printed, not in the `--json`
        /// line, whose keys are fixed by issue 12.
        public var citedAt1: Double? = nil
        /// Short answers that are not verbatim spans of their context (0 is required of the `short` style).
        public var invented: Int
        public var latencyP50S: Double
        public var latencyP95S: Double
        public var promptTokensP50: Int

        enum CodingKeys: String, CodingKey {
            case em, f1, n, hitAt1 = "hit@1", hitAtK = "hit@k", invented
            case latencyP50S = "latency_p50_s", latencyP95S = "latency_p95_s", promptTokensP50 = "prompt_tokens_p50"
        }

        /// Every key is always present (null when it has no value); EM and F1 rounded to 4 places as the Python
        /// scorer prints them, hit rates to 4 places, latencies to 6 significant digits.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(RoundedNumber(em, decimals: 4), forKey: .em)
            try c.encode(RoundedNumber(f1, decimals: 4), forKey: .f1)
            try c.encode(n, forKey: .n)
            try c.encode(hitAt1.map { RoundedNumber($0, decimals: 4) }, forKey: .hitAt1)
            try c.encode(hitAtK.map { RoundedNumber($0, decimals: 4) }, forKey: .hitAtK)
            try c.encode(invented, forKey: .invented)
            try c.encode(RoundedNumber(latencyP50S), forKey: .latencyP50S)
            try c.encode(RoundedNumber(latencyP95S), forKey: .latencyP95S)
            try c.encode(promptTokensP50, forKey: .promptTokensP50)
        }
    }

    public struct Outcome: Sendable {
        public var metrics: Metrics
        public var predictions: [Prediction]
    }

    /// Asks `questions` in order with `options` (the caller turns the answer cache off, so latencies are real).
    /// `progress` gets (answered, total) after each question.
    public func run(_ questions: [QAQuestion], options: AskOptions,
                    progress: (Int, Int) -> Void = { _, _ in }) async throws -> Outcome {
        var predictions: [Prediction] = []
        for (i, q) in questions.enumerated() {
            var asked = options
            if goldPassage && !q.passageIDs.isEmpty {
                let s = options.search
                var filter = s.filter ?? ChunkFilter()
                filter.pathGlobs = q.passageIDs.map(naming.pathGlob)
                asked.search = try SearchParameters(mode: s.mode, k: s.k, filter: filter, indexType: s.indexType, nprobe: s.nprobe,
                                                    fusion: s.fusion, maxK: AskOptions.maxK)
            }
            _ = recorder.take()
            let question = q.question.trimmingCharacters(in: .whitespacesAndNewlines)
            let start = Date()
            let answer = try await engine.answer(question, options: asked)
            let latency = Date().timeIntervalSince(start)
            let retrieved = recorder.take()?.hits ?? []

            let prediction = Self.prediction(answer)
            let score = SQuADScore.best(prediction, gold: q.answers)
            let gold = Set(q.passageIDs)
            let rank = retrieved.firstIndex { gold.contains(naming.passageID(path: $0.path, externalID: $0.externalID)) }
            var texts: [Int64: String] = [:]
            for h in retrieved { texts[h.chunkID] = h.text }
            let first = answer.sources.first?.chunkId.flatMap { id in retrieved.first { $0.chunkID == id } }
            let citedGold = gold.isEmpty ? nil : first.map { gold.contains(naming.passageID(path: $0.path, externalID: $0.externalID)) }
            predictions.append(Prediction(
                id: q.id, question: q.question, prediction: prediction, answer: answer.answer, shortAnswer: answer.shortAnswer,
                gold: q.answers, em: score.exactMatch, f1: score.f1, hit: rank.map { $0 + 1 }, citedGold: citedGold, latencyS: latency,
                promptTokens: answer.usage.promptTokens, invented: try Self.isInvented(answer, texts: texts, lookup: chunkTexts)))
            progress(i + 1, questions.count)
        }
        return Outcome(metrics: Self.metrics(predictions, questions: questions), predictions: predictions)
    }

    /// The figures over `predictions` (one per question, same order).
    public static func metrics(_ predictions: [Prediction], questions: [QAQuestion]) -> Metrics {
        let byID = Dictionary(predictions.map { ($0.id, $0.prediction) }, uniquingKeysWith: { a, _ in a })
        let scored = SQuADScore.score(predictions: byID, gold: questions.map { ($0.id, $0.answers) }, onlyPredicted: true)
        let withPassages = zip(predictions, questions).filter { !$0.1.passageIDs.isEmpty }.map(\.0)
        let hits = withPassages.isEmpty ? nil : withPassages.compactMap(\.hit)
        let latencies = predictions.map(\.latencyS)
        return Metrics(
            em: scored.em, f1: scored.f1, n: scored.n,
            hitAt1: hits.map { Double($0.filter { $0 == 1 }.count) / Double(withPassages.count) },
            hitAtK: hits.map { Double($0.count) / Double(withPassages.count) },
            citedAt1: hits.map { _ in Double(withPassages.filter { $0.citedGold == true }.count) / Double(withPassages.count) },
            invented: predictions.filter(\.invented).count,
            latencyP50S: OrderStatistics.quantile(latencies, 0.5), latencyP95S: OrderStatistics.quantile(latencies, 0.95),
            promptTokensP50: OrderStatistics.median(predictions.map(\.promptTokens)))
    }

    /// The text scored for an answer: its short answer, else its answer without `[n]` citation markers; "" for
    /// the not-in-documents answer (an abstention scores 0, never a lucky word overlap).
    public static func prediction(_ answer: Answer) -> String {
        if let s = answer.shortAnswer {
            return s == AnswerEngine.notInDocuments ? "" : s
        }
        guard answer.grounded, answer.answer != AnswerEngine.notInDocuments else { return "" }
        return Citations.check(answer.answer, contextCount: 0).text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// True when the answer has a short answer (not the not-in-documents text, not yes/no) that occurs verbatim in
    /// none of the chunks it used (its sources, evidence and citations). `texts` holds chunk texts at hand;
    /// `lookup` finds the others.
    public static func isInvented(_ answer: Answer, texts: [Int64: String],
                                  lookup: ([Int64]) throws -> [Int64: String]) throws -> Bool {
        guard let raw = answer.shortAnswer else { return false }
        let short = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if short.isEmpty || short == AnswerEngine.notInDocuments { return false }
        if ["yes", "no"].contains(short.lowercased().trimmingCharacters(in: .punctuationCharacters)) { return false }
        var ids: [Int64] = []
        for id in answer.sources.compactMap(\.chunkId) + answer.evidence.map(\.chunkId) + answer.citations.map(\.chunkId)
        where !ids.contains(id) { ids.append(id) }
        var known = texts
        let missing = ids.filter { known[$0] == nil }
        if !missing.isEmpty { known.merge(try lookup(missing)) { a, _ in a } }
        return !ids.contains { known[$0]?.contains(short) == true }
    }
}

/// How a question's passage ids name the indexed documents: the BEIR `_id` of a JSONL corpus (documents stored as
/// `<file>#<_id>`), or the path relative to a corpus folder (documents stored as `<folder>/<relative path>`).
public struct PassageNaming: Sendable, Equatable {
    /// The corpus path as the stored document paths begin (the path given to ingest, tidied the same way).
    public var corpus: String
    public var isFolder: Bool

    public init(corpus: String, isFolder: Bool) {
        self.corpus = corpus
        self.isFolder = isFolder
    }

    /// The passage id of a document: its external id (JSONL), its path below the folder, or its file name.
    public func passageID(path: String, externalID: String?) -> String {
        if !isFolder, let externalID { return externalID }
        if isFolder && path.hasPrefix(corpus + "/") { return String(path.dropFirst(corpus.count + 1)) }
        if !isFolder && path.hasPrefix(corpus + "#") { return String(path.dropFirst(corpus.count + 1)) }
        return (path as NSString).lastPathComponent
    }

    /// A `path:` filter glob admitting exactly the documents of `passage`.
    public func pathGlob(_ passage: String) -> String {
        Self.globEscaped(corpus) + (isFolder ? "/" : "#") + Self.globEscaped(passage)
    }

    /// `s` as a literal in an SQLite GLOB pattern (`*`, `?` and `[` inside brackets).
    static func globEscaped(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "*", "?", "[": out += "[\(c)]"
            default: out.append(c)
            }
        }
        return out
    }
}
