@testable import Answering
import Foundation
import RAGCore
import Retrieval
import Store
import Testing

/// Plays back fixed text as a generator would (deltas, then a summary) and records every request it gets.
final class ScriptedBackend: GenerationBackend, @unchecked Sendable {
    let deltas: [String]
    let contextLength: Int
    /// Whether it renders ChatML as raw text (and so can continue a begun answer), like the local generator.
    let rawChatML: Bool
    private(set) var requests: [GenerationRequest] = []

    init(_ deltas: [String], contextLength: Int = 2048, rawChatML: Bool = false) {
        self.deltas = deltas
        self.contextLength = contextLength
        self.rawChatML = rawChatML
    }

    func renderChat(_ messages: [ChatMessage]) -> String? {
        guard rawChatML else { return nil }
        return messages.map { "<|im_start|>\($0.role)\n\($0.content)<|im_end|>\n" }.joined() + "<|im_start|>assistant\n"
    }

    func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationEvent, any Error> {
        requests.append(request)
        let deltas = self.deltas
        return AsyncThrowingStream { c in
            for d in deltas { c.yield(.text(d)) }
            c.yield(.finished(GenerationSummary(
                promptTokenIDs: [1, 2, 3], completionTokenIDs: Array(repeating: 7, count: deltas.count), cachedPromptTokens: 0,
                text: deltas.joined(), finishReason: .stop,
                timings: GenerationTimings(promptEvaluatedTokens: 3, promptSeconds: 0.01, generationSeconds: 0.02, timeToFirstTokenSeconds: 0.011))))
            c.finish()
        }
    }
}

/// Fixed retrieval results.
struct FixedRetriever: ContextRetriever {
    var hits: [SearchHit]
    var similarities: [Double]?
    func retrieve(_ question: String, _ search: SearchParameters) throws -> RetrievalResult {
        let k = search.k
        return RetrievalResult(hits: Array(hits.prefix(k)), similarities: similarities.map { Array($0.prefix(k)) }, embedSeconds: 0, searchSeconds: 0)
    }
}

func hit(_ id: Int64, _ path: String, _ text: String) -> SearchHit {
    SearchHit(rank: Int(id), score: 1, chunkID: id, documentID: id, path: path, externalID: nil, headingPath: "H", text: text, snippet: text)
}

/// Counts words: the packing logic only needs a monotone count.
func wordCount(_ prompt: GenerationPrompt) -> Int {
    switch prompt {
    case .chat(let messages): return messages.reduce(0) { $0 + $1.content.split(whereSeparator: { $0.isWhitespace }).count }
    case .text(let text): return text.split(whereSeparator: { $0.isWhitespace }).count
    }
}

@Suite struct CitationTests {
    @Test func numbersOutsideTheContextAreRemovedAndCounted() {
        let c = Citations.check("Install it [1]. Then run make [2, 7]. Nonsense [9]. A link [here] stays.", contextCount: 2)
        #expect(c.text == "Install it [1]. Then run make [2]. Nonsense. A link [here] stays.")
        #expect(c.cited == [1, 2])
        #expect(c.invalid == 2)
    }

    @Test func theStreamFilterNeverEmitsAnInvalidMarkerEvenSplitAcrossDeltas() {
        var f = CitationStreamFilter(contextCount: 3)
        var out = ""
        for d in ["See [", "7", "] and [", "2", "]. Also [x] and [1", "0]"] { out += f.feed(d) }
        out += f.finish()
        #expect(!out.contains("[7]") && !out.contains("[10]"))
        #expect(out.contains("[2]") && out.contains("[x]"))
    }

    @Test func theStreamedTextEqualsTheCheckedAnswerWhateverTheDeltas() {
        let text = "Install it [1]. Then run make [2, 7]. Nonsense  [9]. A link [here] stays [3]"
        for size in 1...6 {
            var f = CitationStreamFilter(contextCount: 2)
            var out = ""
            var i = text.startIndex
            while i < text.endIndex {
                let j = text.index(i, offsetBy: size, limitedBy: text.endIndex) ?? text.endIndex
                out += f.feed(String(text[i..<j]))
                i = j
            }
            out += f.finish()
            #expect(out == Citations.check(text, contextCount: 2).text, "delta size \(size)")
        }
    }
}

@Suite struct AnswerEngineTests {
    let hits = [hit(11, "docs/a.md", "The aardvark eats ants at night."), hit(12, "docs/b.md", "Bees make honey."), hit(13, "docs/c.md", "Cats sleep a lot.")]

    func engine(_ backend: ScriptedBackend, sims: [Double]? = [0.9, 0.8, 0.7], template: PromptTemplate? = nil) throws -> AnswerEngine {
        AnswerEngine(retriever: FixedRetriever(hits: hits, similarities: sims), generator: backend,
                     template: try template ?? PromptTemplate.load(nil), cache: nil, countTokens: wordCount)
    }

    @Test func anInventedCitationFromTheGeneratorIsRemovedAndOnlyRealSourcesAreListed() async throws {
        let backend = ScriptedBackend(["Aardvarks eat ants [1", "] and fly [9]."])
        var options = AskOptions()
        options.keepUnsupported = true  // "fly" is nowhere in the context: flagged, kept on request
        let a = try await engine(backend).answer("what do aardvarks eat", options: options)
        #expect(a.answer == "Aardvarks eat ants [1] and fly.")
        #expect(a.unsupportedSentences == ["Aardvarks eat ants [1] and fly."])
        #expect(a.invalidCitations == 1)
        #expect(a.citations.map(\.n) == [1] && a.citations.map(\.chunkId) == [11])
        #expect(a.sources.map(\.path) == ["docs/a.md"])
        #expect(a.sources.allSatisfy(\.cited) && !a.uncited)
        // The prompt numbered the context blocks so the model could cite them.
        guard case .chat(let messages) = backend.requests[0].prompt else { Issue.record("expected a chat prompt"); return }
        #expect(messages[0].role == "system" && messages[1].content.contains("[1] docs/a.md") && messages[1].content.contains("[3] docs/c.md"))
    }

    @Test func anAnswerThatCitesNothingListsTheGivenSourcesMarkedUncited() async throws {
        let a = try await engine(ScriptedBackend(["Honey."])).answer("bees?", options: AskOptions())
        #expect(a.uncited && a.sources.count == 3 && a.sources.allSatisfy { !$0.cited })
    }

    @Test func nothingAboveTheRelevanceFloorAnswersWithoutCallingTheGenerator() async throws {
        let backend = ScriptedBackend(["should not be called"])
        let a = try await engine(backend, sims: [0.05, 0.02, 0.01]).answer("boiling point of tungsten", options: AskOptions())
        #expect(backend.requests.isEmpty)
        #expect(a.answer == AnswerEngine.notInDocuments && !a.grounded && a.sources.isEmpty)
    }

    @Test func aTemplateThatOverflowsTheContextIsCaught() async throws {
        let huge = try PromptTemplate(name: "huge", source: String(repeating: "word ", count: 3000) + "{{question}}")
        await #expect(throws: RAGError.self) {
            _ = try await engine(ScriptedBackend(["x"]), template: huge).answer("q", options: AskOptions())
        }
    }

    @Test func contextThatDoesNotFitIsLeftOutAndReported() async throws {
        let long = (0..<3).map { i in hit(Int64(20 + i), "docs/\(i).md", (0..<700).map { "w\(i)x\($0)" }.joined(separator: " ")) }
        let backend = ScriptedBackend(["ok [1]"], contextLength: 2048)
        let e = AnswerEngine(retriever: FixedRetriever(hits: long, similarities: [0.9, 0.8, 0.7]), generator: backend,
                             template: try PromptTemplate.load(nil), cache: nil, countTokens: wordCount)
        var options = AskOptions()
        options.parameters = try GenerationParameters.answer.with(maxTokens: 256)
        let a = try await e.answer("q", options: options)
        #expect(a.truncatedContext)
        #expect(wordCount(backend.requests[0].prompt) <= 2048 - 256)
    }

    @Test func nearDuplicateChunksAreGivenOnce() {
        let r = RetrievalResult(hits: [hit(1, "a", "one two three four five six"), hit(2, "b", "one two three four five six"), hit(3, "c", "seven eight nine ten")],
                                similarities: [0.9, 0.9, 0.8], embedSeconds: 0, searchSeconds: 0)
        #expect(ContextSelection.select(r, options: SelectionOptions()) == [0, 2])
    }

    @Test func extractiveAnswersCiteTheSentencesTheyQuote() async throws {
        let backend = ScriptedBackend(["unused"])
        var options = AskOptions()
        options.extractive = true
        let a = try await engine(backend).answer("What does the aardvark eat?", options: options)
        #expect(backend.requests.isEmpty)
        #expect(a.answer.hasPrefix("The aardvark eats ants at night. [1]"))
        #expect(a.citations.first?.chunkId == 11)
    }
}

@Suite struct AnswerCacheTests {
    @Test func anIngestThatChangesTheIndexInvalidatesCachedAnswers() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rag-answer-cache-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let store = try IndexStore(path: dir.appendingPathComponent("i.sqlite").path)
        let cache = AnswerCache(store: store)
        let key = AnswerCache.key(question: "What is  RAG?", parameters: ["k": "5"])
        #expect(key == AnswerCache.key(question: "what is rag", parameters: ["k": "5"]))
        #expect(key != AnswerCache.key(question: "what is rag", parameters: ["k": "6"]))
        try cache.put(key, Data("{}".utf8))
        #expect(try cache.get(key) == Data("{}".utf8))
        try store.db.transaction { try store.bumpGeneration() }
        #expect(try cache.get(key) == nil)
    }
}
