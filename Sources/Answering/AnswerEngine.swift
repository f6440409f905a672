/// The answer engine: retrieve → select → pack → generate (streamed) → check citations → cache.
import Foundation
import RAGCore
import Reader
import Retrieval
import Store

/// The object `rag ask --json` prints (and `/v1/ask` returns).
public struct Answer: Codable, Sendable {
    public var id: String
    public var answer: String
    public var citations: [CitationRef]
    public var sources: [Source]
    public var usage: Usage
    public var timings: Timings
    public var truncatedContext: Bool
    /// False when nothing relevant was retrieved and the generator was not called.
    public var grounded: Bool
    /// True when the generator cited nothing and `sources` lists every block it was given.
    public var uncited: Bool
    /// Citation numbers in the generator's output that matched no context block (removed from `answer`).
    public var invalidCitations: Int
    public var cached: Bool
    public var finishReason: String
    /// The short answer: a span copied verbatim from a context block, `yes`/`no` for a yes/no question, or nil
    /// when the documents do not hold the answer (or the style gives none: `free`).
    public var shortAnswer: String? = nil
    /// The sentences the answer stands on, quoted verbatim from the context, each with its citation number.
    public var evidence: [Evidence] = []
    /// Sentences of a free-form answer whose content words do not occur in the context (flagged, and dropped
    /// from `answer` unless kept on request).
    public var unsupportedSentences: [String] = []
    /// How the answer was made: `short`, `free` or `extractive`.
    public var style: String? = nil

    /// One quoted sentence: `text` is `chunk.text[charStart..<charEnd]` (character offsets) of the chunk cited as `[n]`.
    public struct Evidence: Codable, Sendable, Equatable {
        public var n: Int
        public var chunkId: Int64
        public var text: String
        public var charStart: Int
        public var charEnd: Int
        public init(n: Int, chunkId: Int64, text: String, charStart: Int, charEnd: Int) {
            self.n = n; self.chunkId = chunkId; self.text = text; self.charStart = charStart; self.charEnd = charEnd
        }
    }

    enum CodingKeys: String, CodingKey {
        case id, answer, shortAnswer, evidence, citations, sources, usage, timings, truncatedContext, grounded, uncited,
             invalidCitations, cached, finishReason, unsupportedSentences, style
    }

    /// `short_answer` is always present (null when there is none); the other fields as synthesized.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(answer, forKey: .answer)
        try c.encode(shortAnswer, forKey: .shortAnswer)
        try c.encode(evidence, forKey: .evidence)
        try c.encode(citations, forKey: .citations)
        try c.encode(sources, forKey: .sources)
        try c.encode(usage, forKey: .usage)
        try c.encode(timings, forKey: .timings)
        try c.encode(truncatedContext, forKey: .truncatedContext)
        try c.encode(grounded, forKey: .grounded)
        try c.encode(uncited, forKey: .uncited)
        try c.encode(invalidCitations, forKey: .invalidCitations)
        try c.encode(cached, forKey: .cached)
        try c.encode(finishReason, forKey: .finishReason)
        try c.encode(unsupportedSentences, forKey: .unsupportedSentences)
        try c.encodeIfPresent(style, forKey: .style)
    }

    public struct CitationRef: Codable, Sendable { public var n: Int; public var chunkId: Int64 }
    public struct Source: Codable, Sendable {
        public var n: Int
        public var path: String
        public var headingPath: String
        public var score: Double
        public var cited: Bool
        /// The chunk this source is (absent in answers cached before it was recorded).
        public var chunkId: Int64?
    }
    public struct Usage: Codable, Sendable {
        public var promptTokens: Int
        public var completionTokens: Int
        public var cachedPromptTokens: Int
    }
    public struct Timings: Codable, Sendable {
        public var embedS: Double = 0
        public var searchS: Double = 0
        public var packS: Double = 0
        public var prefillS: Double = 0
        public var decodeS: Double = 0
        public var ttftS: Double = 0
        public var totalS: Double = 0
    }
}

public struct AskOptions: Sendable {
    /// The most chunks an answer may retrieve (the `maxK` its `SearchParameters` are built with).
    public static let maxK = 100
    /// Retrieval for the question (hybrid, 5 chunks unless the caller built others).
    public var search = SearchParameters.ask
    public var parameters = GenerationParameters.answer
    /// The answer style; nil: the engine's default (`short` with a local generator, `free` with a remote one).
    public var style: AnswerStyle?
    /// `--extractive`, kept as an alias of `style = .extractive`.
    public var extractive: Bool {
        get { style == .extractive }
        set { style = newValue ? .extractive : (style == .extractive ? nil : style) }
    }
    /// Free style: give the generator the best sentences of each chunk instead of whole chunks.
    public var pruneContext = true
    /// Free style: keep sentences the support check flags (they are always listed in `unsupported_sentences`).
    public var keepUnsupported = false
    /// Short style: how many of the top chunks the span reader reads.
    public var readerPassages = 5
    /// Short style: subtracted from a span's score per rank of its chunk (retrieval's order as a prior).
    public var readerRankPenalty: Float = 1
    /// Short style: weight of the generator's mean log-probability (per word) of each of the best spans; 0: off.
    public var readerGeneratorWeight: Float = 0
    /// Short style: how many of the best spans the generator weighs.
    public var readerGeneratorCandidates = 5
    /// Short style: a best span scoring below this is no answer (the documents do not contain it).
    public var readerMinScore: Float = 2
    public var useCache = true
    public var selection = SelectionOptions()
    /// Identifies everything else that shapes an answer (mode, filter, generator model) for the cache key.
    public var cacheContext: [String: String] = [:]
    public init() {}
}

public final class AnswerEngine: @unchecked Sendable {
    public static let notInDocuments = "The documents do not contain information about this."

    let retriever: any ContextRetriever
    let generator: (any GenerationBackend)?
    let countTokens: (GenerationPrompt) -> Int
    let template: PromptTemplate
    let cache: AnswerCache?
    let reader: SpanReader?
    /// The style of a request that names none.
    public let defaultStyle: AnswerStyle

    /// - Parameters:
    ///   - generator: nil allows only extractive answers.
    ///   - countTokens: the generator's own token count of a prompt (context packing must never overflow).
    ///   - reader: the span reader of short answers (nil: `short` is unavailable).
    ///   - defaultStyle: the style of requests that name none (nil: `short` when there is a reader, else `free`
    ///     when there is a generator, else `extractive`).
    public init(retriever: any ContextRetriever, generator: (any GenerationBackend)?, template: PromptTemplate,
                cache: AnswerCache?, reader: SpanReader? = nil, defaultStyle: AnswerStyle? = nil,
                countTokens: @escaping (GenerationPrompt) -> Int) {
        self.retriever = retriever
        self.generator = generator
        self.template = template
        self.cache = cache
        self.reader = reader
        self.defaultStyle = defaultStyle ?? (reader != nil ? .short : (generator != nil ? .free : .extractive))
        self.countTokens = countTokens
    }

    /// The style a request with `options` is answered in.
    public func style(_ options: AskOptions) -> AnswerStyle { options.style ?? defaultStyle }

    /// Answers `question`; `onText` receives the answer text as it is generated (invalid citations filtered out).
    public func answer(_ question: String, options: AskOptions, onText: @escaping @Sendable (String) -> Void = { _ in }) async throws -> Answer {
        let start = Date()
        guard !question.trimmingCharacters(in: " ").isEmpty else {
            throw RAGError(.invalidQuestion, "question: must not be empty")
        }
        let cacheKey = cacheKeyFor(question, options)
        if let cacheKey, let cache, let data = try cache.get(cacheKey), var cached = try? JSONDecoder.snakeCase.decode(Answer.self, from: data) {
            cached.cached = true
            cached.timings = Answer.Timings(totalS: Date().timeIntervalSince(start))
            onText(cached.answer)
            return cached
        }

        var timings = Answer.Timings()
        let retrieved = try retriever.retrieve(question, options.search)
        timings.embedS = retrieved.embedSeconds
        timings.searchS = retrieved.searchSeconds
        let packStart = Date()
        let keep = ContextSelection.select(retrieved, options: options.selection)
        let candidates = keep.map { retrieved.hits[$0] }
        let scores = keep.map { retrieved.similarities?[$0] ?? retrieved.hits[$0].score }

        var result = Answer(id: UUID().uuidString.lowercased(), answer: Self.notInDocuments, citations: [], sources: [],
                            usage: .init(promptTokens: 0, completionTokens: 0, cachedPromptTokens: 0), timings: timings,
                            truncatedContext: false, grounded: false, uncited: false, invalidCitations: 0, cached: false,
                            finishReason: "stop")
        if candidates.isEmpty {
            // Nothing relevant: say so without calling the generator.
            timings.packS = Date().timeIntervalSince(packStart)
            timings.totalS = Date().timeIntervalSince(start)
            result.timings = timings
            onText(result.answer)
            try store(result, cacheKey)
            return result
        }

        let style = style(options)
        result.style = style.rawValue
        if style == .short {
            return try shortAnswer(question, options: options, candidates: candidates, scores: scores, result: result,
                                   timings: timings, start: start, packStart: packStart, cacheKey: cacheKey, onText: onText)
        }
        let blocks: [ContextBlock]
        let used: [Int]
        var text: String
        if style == .extractive || generator == nil {
            guard style == .extractive else {
                throw RAGError(.noGenerator, "no generator is available: pass --style short or --style extractive")
            }
            blocks = candidates.enumerated().map { ContextBlock(n: $0.offset + 1, path: $0.element.path, headingPath: $0.element.headingPath, text: $0.element.text) }
            used = Array(candidates.indices)
            let quoted = ExtractiveAnswerer.best(question: question, blocks: blocks)
            text = quoted.map { "\($0.text) [\($0.n)]" }.joined(separator: " ")
            if text.isEmpty { text = Self.notInDocuments }
            result.evidence = quoted.map { q in
                let hit = candidates[q.n - 1]
                let range = EvidenceLocator.sentence(in: hit.text, around: q.range)
                return Answer.Evidence(n: q.n, chunkId: hit.chunkID, text: EvidenceLocator.substring(hit.text, range),
                                       charStart: range.lowerBound, charEnd: range.upperBound)
            }
            timings.packS = Date().timeIntervalSince(packStart)
            onText(text)
        } else {
            let backend = generator!
            let packer = ContextPacker(template: template, contextLength: backend.contextLength,
                                       renderChat: { backend.renderChat($0) }, countTokens: countTokens)
            // Evidence first: the best sentences of each chunk, not whole chunks (off: `pruneContext = false`).
            let context = options.pruneContext ? candidates.map { ContextPruning.prune($0, question: question) } : candidates
            let packed = try packer.pack(question: question, candidates: context, maxTokens: options.parameters.maxTokens)
            timings.packS = Date().timeIntervalSince(packStart)
            blocks = packed.blocks
            used = packed.used
            result.truncatedContext = packed.droppedForBudget > 0
            var filter = CitationStreamFilter(contextCount: blocks.count)
            // A primed answer ("According to [") is part of the answer, its citation completed by the model's first
            // tokens. It goes out with the first generated text, not before, so the stream's first text still marks
            // the model's first token (time to first token stays honest).
            var held = filter.feed(packed.answerPrefix)
            var summary: GenerationSummary?
            var firstText: Date?
            for try await event in backend.generate(GenerationRequest(prompt: packed.prompt, parameters: options.parameters)) {
                switch event {
                case .text(let delta):
                    if firstText == nil { firstText = Date() }
                    let clean = held + filter.feed(delta)
                    held = ""
                    if !clean.isEmpty { onText(clean) }
                case .finished(let s):
                    summary = s
                }
            }
            let rest = held + filter.finish()
            if !rest.isEmpty { onText(rest) }
            guard let summary else { throw RAGError(.generationIncomplete, "the generator stopped without finishing") }
            text = packed.answerPrefix + summary.text
            result.usage = .init(promptTokens: summary.promptTokens, completionTokens: summary.completionTokens,
                                 cachedPromptTokens: summary.cachedPromptTokens)
            result.finishReason = summary.finishReason.rawValue
            timings.prefillS = summary.timings.promptSeconds
            timings.decodeS = summary.timings.generationSeconds
            timings.ttftS = (firstText ?? Date()).timeIntervalSince(start)
        }

        let check = Citations.check(text, contextCount: blocks.count)
        result.answer = check.text.trimmingCharacters(in: " ")
        if style == .free {
            // The support check: sentences whose content the context does not hold are flagged, and dropped
            // unless the caller keeps them (the streamed text already went out; the final answer is checked).
            let unsupported = SupportCheck.unsupportedSentences(result.answer, context: blocks.map(\.text))
            result.unsupportedSentences = unsupported
            if !unsupported.isEmpty && !options.keepUnsupported {
                let kept = SupportCheck.sentences(result.answer).filter { !unsupported.contains($0) }
                result.answer = kept.isEmpty ? Self.notInDocuments : kept.joined(separator: " ")
            }
        }
        result.invalidCitations = check.invalid
        result.grounded = true
        result.citations = check.cited.map { Answer.CitationRef(n: $0, chunkId: candidates[used[$0 - 1]].chunkID) }
        result.uncited = check.cited.isEmpty
        let shown = check.cited.isEmpty ? Array(1...blocks.count) : check.cited
        result.sources = shown.map { n in
            let i = used[n - 1]
            return Answer.Source(n: n, path: candidates[i].path, headingPath: candidates[i].headingPath, score: scores[i], cited: !check.cited.isEmpty,
                                 chunkId: candidates[i].chunkID)
        }
        timings.totalS = Date().timeIntervalSince(start)
        if options.extractive { timings.ttftS = timings.totalS }
        result.timings = timings
        try store(result, cacheKey)
        return result
    }

    func cacheKeyFor(_ question: String, _ options: AskOptions) -> String? {
        guard options.useCache, cache != nil else { return nil }
        let p = options.parameters
        // A sampled answer without a seed is meant to vary: never serve it from the cache.
        if p.temperature > 0 && p.seed == nil { return nil }
        var parameters = options.cacheContext
        parameters["k"] = String(options.search.k)
        if let nprobe = options.search.nprobe { parameters["nprobe"] = String(nprobe) }
        parameters["extractive"] = String(options.extractive)
        let style = style(options)
        if style != .extractive {
            parameters["style"] = style.rawValue
            parameters["keep_unsupported"] = String(options.keepUnsupported)
            parameters["prune"] = String(options.pruneContext)
            parameters["reader"] = "\(options.readerPassages)|\(options.readerRankPenalty)|\(options.readerMinScore)|\(options.readerGeneratorWeight)|\(options.readerGeneratorCandidates)|\(reader?.weights.sha256 ?? "-")"
        }
        parameters["template"] = template.name + ContentHash.sha256Hex(template.system + "\u{1F}" + (template.assistantPrefix ?? "") + "\u{1F}" + template.render(question: "", contexts: []))
        parameters["sampling"] = "\(p.temperature)|\(p.topK)|\(p.topP)|\(p.minP)|\(p.repeatPenalty)|\(p.repeatLastN)|\(p.maxTokens)|\(p.stop)|\(p.seed.map(String.init) ?? "-")"
        parameters["selection"] = "\(options.selection.minRelevance)|\(options.selection.duplicateThreshold)|\(options.selection.mmrLambda)"
        return AnswerCache.key(question: question, parameters: parameters)
    }

    /// Caches the answer; a cache that cannot be written (the index busy with an ingest, a read-only file) costs
    /// the next asker a recomputation, never this answer.
    func store(_ answer: Answer, _ key: String?) throws {
        guard let key, let cache, answer.finishReason != "cancelled" else { return }
        try? cache.put(key, try JSONEncoder.snakeCase.encode(answer))
    }
}

