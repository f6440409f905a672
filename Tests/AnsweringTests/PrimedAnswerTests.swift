/// The primed answer ("According to [" already in the assistant turn) and the few-shot system message: how the
/// prompt renders for backends with and without raw-text chat rendering, and that the primed part is part of the
/// answer whose citations are checked. Then the real generator: prefix cache off gives the same greedy answer.
@testable import Answering
import Foundation
import Generator
import RAGCore
import Store
import TestSupport
import Testing

@Suite struct PrimedPromptTests {
    let hits = [hit(11, "docs/a.md", "The aardvark eats ants at night."), hit(12, "docs/b.md", "Bees make honey."), hit(13, "docs/c.md", "Cats sleep a lot.")]

    func engine(_ backend: ScriptedBackend) throws -> AnswerEngine {
        AnswerEngine(retriever: FixedRetriever(hits: hits, similarities: [0.9, 0.8, 0.7]), generator: backend,
                     template: try PromptTemplate.load(nil), cache: nil, countTokens: wordCount)
    }

    @Test func theFixedSystemMessageCarriesAWorkedExampleWithCitations() throws {
        let t = try PromptTemplate.load(nil)
        #expect(t.system.contains("Example:") && t.system.contains("[2] notes/kitchen.md") && t.system.contains("for two minutes [2]."))
        #expect(t.assistantPrefix == "According to [")
        // The user message keeps the documented default form.
        let user = t.render(question: "Q?", contexts: [ContextBlock(n: 1, path: "p.md", headingPath: "H", text: "T")])
        #expect(user == "Context passages:\n[1] p.md — H\nT\n\nQuestion: Q?\nAnswer from the passages above, citing them like [1].")
    }

    @Test func aBackendThatRendersRawTextGetsTheBegunAnswerAndItsCitationParses() async throws {
        let backend = ScriptedBackend(["2], bees", " make honey."], rawChatML: true)
        let streamed = StreamedText()
        let a = try await engine(backend).answer("what do bees make", options: AskOptions()) { streamed.append($0) }
        guard case .text(let prompt) = backend.requests[0].prompt else { Issue.record("expected a raw-text prompt"); return }
        #expect(prompt.hasPrefix("<|im_start|>system\nYou are rag"))
        #expect(prompt.contains("<|im_start|>user\nContext passages:\n[1] docs/a.md — H\n"))
        #expect(prompt.hasSuffix("<|im_end|>\n<|im_start|>assistant\nAccording to ["))
        #expect(a.answer == "According to [2], bees make honey.")
        #expect(streamed.text == a.answer)
        #expect(a.citations.map(\.n) == [2] && a.citations.map(\.chunkId) == [12])
        #expect(!a.uncited && a.sources.map(\.path) == ["docs/b.md"] && a.invalidCitations == 0)
    }

    @Test func anInventedNumberCompletingThePrimedCitationIsRemoved() async throws {
        let backend = ScriptedBackend(["7], bees make honey."], rawChatML: true)
        let streamed = StreamedText()
        let a = try await engine(backend).answer("what do bees make", options: AskOptions()) { streamed.append($0) }
        #expect(a.answer == "According to, bees make honey.")
        #expect(streamed.text == a.answer)
        #expect(a.invalidCitations == 1 && a.uncited && a.sources.count == 3)
    }

    @Test func aChatOnlyBackendGetsAPlainConversationWithoutThePrefix() async throws {
        let backend = ScriptedBackend(["Bees make honey [2]."])
        let a = try await engine(backend).answer("what do bees make", options: AskOptions())
        guard case .chat(let messages) = backend.requests[0].prompt else { Issue.record("expected a chat prompt"); return }
        #expect(messages.map(\.role) == ["system", "user"])
        #expect(a.answer == "Bees make honey [2].")
    }

    @Test func thePrefixIsPartOfTheAnswerCacheKey() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rag-primed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let cache = AnswerCache(store: try IndexStore(path: dir.appendingPathComponent("i.sqlite").path))
        let primed = try PromptTemplate.load(nil)
        let plain = try primed.with(system: primed.system, assistantPrefix: nil)
        func key(_ t: PromptTemplate) -> String? {
            AnswerEngine(retriever: FixedRetriever(hits: hits), generator: ScriptedBackend([]), template: t, cache: cache,
                         countTokens: wordCount).cacheKeyFor("q", AskOptions())
        }
        #expect(key(primed) != nil && key(plain) != nil && key(primed) != key(plain))
    }
}

/// Collects streamed deltas (the callback is @Sendable).
final class StreamedText: @unchecked Sendable {  // guarded by lock
    private let lock = NSLock()
    private var value = ""
    func append(_ s: String) { lock.lock(); value += s; lock.unlock() }
    var text: String { lock.lock(); defer { lock.unlock() }; return value }
}

/// The real SmolLM2 generator behind the answer engine.
@Suite(.serialized) struct PrimedRealGeneratorTests {
    static let modelPath = Paths.generatorModel
    let hits = [hit(11, "docs/make.md", "make installs the Debian packages libopenblas-dev and libxml2-dev when they are missing."),
                hit(12, "docs/models.md", "scripts/fetch-models downloads the model wheels from PyPI into Models/."),
                hit(13, "docs/cats.md", "Cats sleep a lot.")]

    @Test func thePrimedAnswerCitesAndTurningThePrefixCacheOffGivesTheSameGreedyAnswer() async throws {
        guard FileManager.default.fileExists(atPath: Self.modelPath) else {
            Issue.record("model missing at \(Self.modelPath): run scripts/fetch-models")
            return
        }
        let generator = try LocalGenerator(modelPath: Self.modelPath, contextLength: 1024)
        let engine = AnswerEngine(retriever: FixedRetriever(hits: hits, similarities: [0.9, 0.8, 0.7]), generator: generator,
                                  template: try PromptTemplate.load(nil), cache: nil,
                                  countTokens: { generator.promptTokens($0).count })
        var options = AskOptions()
        options.parameters = try GenerationParameters.answer.with(maxTokens: 24)
        let first = try await engine.answer("Which Debian packages does make install?", options: options)
        #expect(first.answer.hasPrefix("According to"))
        // The model completed the primed marker with a number: valid (cited) or removed (counted).
        #expect(first.citations.count + first.invalidCitations >= 1, "\(first.answer)")
        #expect(first.usage.cachedPromptTokens == 0)

        let question = "Where do the model files come from?"
        let warm = try await engine.answer(question, options: options)
        // The fixed system message (with its example) and the template's opening come from the KV cache.
        #expect(warm.usage.cachedPromptTokens > 150, "cached \(warm.usage.cachedPromptTokens)")
        generator.prefixCacheEnabled = false
        let off = try await engine.answer(question, options: options)
        #expect(off.usage.cachedPromptTokens == 0)
        #expect(off.usage.promptTokens == warm.usage.promptTokens)
        #expect(off.answer == warm.answer)
        #expect(off.citations.map(\.n) == warm.citations.map(\.n))
    }
}
