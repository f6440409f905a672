/// Constrained decoding with the real model: copied spans are verbatim substrings of one block whatever the
/// sampling, yes/no gives exactly a choice, and continuation log-likelihoods agree with a step-by-step computation.
import Foundation
import Generator
import RAGCore
import Testing

@Suite(.serialized) struct ConstrainedGenerationTests {
    struct Case {
        let question: String
        let blocks: [String]
    }

    let cases = [
        Case(question: "When was the Eiffel Tower completed?", blocks: [
            "The Eiffel Tower was completed in 1889 for the World's Fair in Paris.",
            "Mount Everest is 8,849 metres high and lies on the border of Nepal and China.",
        ]),
        Case(question: "What does photosynthesis convert light energy into?", blocks: [
            "Photosynthesis converts light energy into chemical energy stored in glucose.",
            "The mitochondria is the powerhouse of the cell.",
        ]),
        Case(question: "How many people live in Zürich?", blocks: [
            "Zürich is the largest city in Switzerland, with about 420,000 inhabitants.",
            "The river Limmat flows through the old town; its café terraces are busy in summer.",
        ]),
        Case(question: "Who wrote Hamlet?", blocks: [
            "The night train from Vienna to Hamburg leaves at 21:40 and arrives at 09:15.",
        ]),
    ]

    /// A retrieval prompt in the default template's layout: each block on its own line after its `[n]` line.
    func prompt(_ c: Case) -> GenerationPrompt {
        let context = c.blocks.enumerated().map { "[\($0.offset + 1)] notes.md\n\($0.element)\n" }.joined(separator: "\n")
        return .chat([ChatMessage(role: "system", content: "Answer the question with a short phrase copied exactly from the context."),
                      ChatMessage(role: "user", content: "Context:\n\(context)\nQuestion: \(c.question)")])
    }

    /// The completion's bytes (end-of-generation tokens excluded) and whether they lie within one block.
    func check(_ s: GenerationSummary, _ c: Case, _ label: String) throws {
        let engine = try Fixture.engine()
        let content = s.completionTokenIDs.filter { !engine.tokenizer.endOfGenerationIDs.contains($0) }
        let bytes = content.flatMap { engine.tokenizer.pieceBytes($0, renderSpecial: false) }
        #expect(!content.isEmpty && !bytes.isEmpty, "\(label): empty answer")
        let inBlock = c.blocks.contains { block in
            let b = Array(block.utf8)
            return bytes.count <= b.count && (0...(b.count - bytes.count)).contains { b[$0..<$0 + bytes.count].elementsEqual(bytes) }
        }
        #expect(inBlock, "\(label): \"\(s.text)\" is not a substring of one block")
        #expect(s.finishReason == .stop || s.finishReason == .length, "\(label)")
        print("constrained \(label): \"\(s.text)\" (\(content.count) tokens, \(s.finishReason))")
    }

    @Test func blockTokensAreThePromptsOwn() throws {
        let engine = try Fixture.engine()
        for c in cases {
            let ids = engine.promptTokens(prompt(c))
            for tokens in CopySpanConstraint.blockTokens(c.blocks, tokenizer: engine.tokenizer) {
                #expect(CopySpanConstraint.locate(tokens, in: ids) != nil, "\(engine.tokenizer.decode(tokens))")
            }
            // After "[n] " (the compact template) the block's first token carries the space in the prompt
            // (" The" for "The"); the rest is the same, and the start aliases let a span begin with "The".
            let compact = engine.promptTokens(.text(c.blocks.enumerated().map { "[\($0.offset + 1)] \($0.element)" }.joined(separator: "\n")))
            for tokens in CopySpanConstraint.blockTokens(c.blocks, tokenizer: engine.tokenizer) {
                #expect(CopySpanConstraint.locate(Array(tokens.dropFirst()), in: compact) != nil)
            }
        }
    }

    @Test func copiedAnswersAreVerbatimSpansOfOneBlockGreedyAndSampled() throws {
        let engine = try Fixture.engine()
        for (i, c) in cases.enumerated() {
            let greedy = try GenerationParameters(temperature: 0, repeatPenalty: 1.1, maxTokens: 24)
            let s = try engine.run(GenerationRequest(prompt: prompt(c), parameters: greedy, constraint: .copySpan(blocks: c.blocks))) { _ in }
            try check(s, c, "case \(i) greedy")
            for seed in UInt64(1)...4 {
                let hot = try GenerationParameters(temperature: 0.8, topK: 0, topP: 1, minP: 0, maxTokens: 24, seed: seed)
                let t = try engine.run(GenerationRequest(prompt: prompt(c), parameters: hot, constraint: .copySpan(blocks: c.blocks))) { _ in }
                try check(t, c, "case \(i) seed \(seed)")
            }
            // Hot enough that unconstrained sampling would wander: still a span.
            let wild = try GenerationParameters(temperature: 2, topK: 0, topP: 1, minP: 0, maxTokens: 16, seed: 9)
            try check(try engine.run(GenerationRequest(prompt: prompt(c), parameters: wild, constraint: .copySpan(blocks: c.blocks))) { _ in },
                      c, "case \(i) t=2")
        }
    }

    /// With word starts (the default) a span begins at a word: its first byte is the block's first byte or
    /// follows a space or punctuation in the block (checked over many hot samples); without, anything goes.
    @Test func wordStartsKeepSpansFromStartingInsideAWord() throws {
        let engine = try Fixture.engine()
        let c = cases[0]
        let tokens = CopySpanConstraint.blockTokens(c.blocks, tokenizer: engine.tokenizer)
        let starts = CopySpanConstraint.wordStartTokens(blocks: tokens, tokenizer: engine.tokenizer)
        // Tokens beginning with a space, and the block's first, begin words; " Eiffel" is two tokens, the second
        // inside the word.
        for (p, t) in tokens[0].enumerated() where p == 0 || engine.tokenizer.pieceBytes(t).first == 0x20 {
            #expect(starts.contains(t), "\(engine.tokenizer.piece(t))")
        }
        let eiffel = engine.tokenizer.encode(" Eiffel", parseSpecial: false, addBOS: false)
        #expect(eiffel.count == 2)
        #expect(starts.contains(eiffel[0]) && !starts.contains(eiffel[1]))
        // 1889 is four digit tokens after a space token: "1" begins a word, "9" nowhere does ("8" does, in
        // "8,849": the filter is on tokens, not positions).
        let year = engine.tokenizer.encode("1889", parseSpecial: false, addBOS: false)
        #expect(year.count == 4)
        #expect(starts.contains(year[0]) && starts.contains(year[1]) && !starts.contains(year[3]))
        // Every span start a hot sampler picks.
        for seed in UInt64(1)...12 {
            let hot = try GenerationParameters(temperature: 2, topK: 0, topP: 1, minP: 0, maxTokens: 3, seed: seed)
            let s = try engine.run(GenerationRequest(prompt: prompt(c), parameters: hot, constraint: .copySpan(blocks: c.blocks))) { _ in }
            let first = try #require(s.completionTokenIDs.first)
            let text = engine.tokenizer.piece(first)
            let atWord = c.blocks.contains { block in
                var from = block.startIndex
                while let r = block.range(of: text, range: from..<block.endIndex) {
                    if r.lowerBound == block.startIndex || text.hasPrefix(" ") || !block[block.index(before: r.lowerBound)].isLetter { return true }
                    from = block.index(after: r.lowerBound)
                }
                return false
            }
            #expect(atWord, "seed \(seed): span starts with \(text.debugDescription)")
        }
    }

    @Test func aStreamedConstrainedAnswerMatchesItsSummary() async throws {
        let engine = try Fixture.engine()
        let c = cases[0]
        var streamed = ""
        var summary: GenerationSummary?
        let request = GenerationRequest(prompt: prompt(c), parameters: try .init(maxTokens: 24), constraint: .copySpan(blocks: c.blocks))
        for try await e in engine.generate(request) {
            switch e {
            case .text(let t): streamed += t
            case .finished(let s): summary = s
            }
        }
        let s = try #require(summary)
        #expect(streamed == s.text)
        try check(s, c, "streamed")
    }

    @Test func nothingToCopyGivesAnEmptyAnswerNotAnInventedOne() throws {
        let engine = try Fixture.engine()
        for blocks in [[], [""]] as [[String]] {
            let s = try engine.run(GenerationRequest(prompt: prompt(cases[0]), parameters: .init(maxTokens: 8), constraint: .copySpan(blocks: blocks))) { _ in }
            #expect(s.completionTokenIDs.isEmpty)
            #expect(s.text.isEmpty)
            #expect(s.finishReason == .stop)
        }
    }

    @Test func yesNoGivesExactlyYesOrNo() throws {
        let engine = try Fixture.engine()
        let questions = [
            ("Paris is the capital of France.", "Is Paris the capital of France?"),
            ("The Eiffel Tower was completed in 1889.", "Was the Eiffel Tower completed in 1750?"),
            ("Water boils at 100 degrees Celsius at sea level.", "Does water boil at 100 degrees Celsius at sea level?"),
        ]
        for (context, question) in questions {
            let p = GenerationPrompt.chat([ChatMessage(role: "system", content: "Answer yes or no."),
                                           ChatMessage(role: "user", content: "Context: \(context)\nQuestion: \(question)")])
            var answers: [String] = []
            for params in [try GenerationParameters(maxTokens: 8),
                           try GenerationParameters(temperature: 1.5, topK: 0, topP: 1, minP: 0, maxTokens: 8, seed: 3)] {
                let s = try engine.run(GenerationRequest(prompt: p, parameters: params, constraint: .choice(ChoiceConstraint.yesNo))) { _ in }
                #expect(ChoiceConstraint.yesNo.contains(s.text), "\(question): \"\(s.text)\"")
                #expect(s.finishReason == .stop)
                answers.append(s.text)
            }
            print("yes/no \(question) → \(answers)")
        }
    }

    @Test func continuationLikelihoodsRankACopiedSpanAboveNoise() throws {
        let engine = try Fixture.engine()
        let c = cases[0]
        let scores = try engine.logLikelihoods(prompt: prompt(c), continuations: ["The Eiffel Tower was completed in 1889",
                                                                                  "Purple elephants sing quietly beneath",
                                                                                  ""])
        print("log-likelihoods: \(scores.map { ($0.logProbability, $0.meanLogProbability, $0.tokens) })")
        #expect(scores[0].meanLogProbability > scores[1].meanLogProbability)
        #expect(scores[0].logProbability > scores[1].logProbability)
        #expect(scores[2] == ContinuationScore(logProbability: 0, tokens: 0))
        #expect(scores.allSatisfy { $0.logProbability <= 0 })
        // Scoring does not disturb generation: the same greedy answer before and after.
        let request = GenerationRequest(prompt: prompt(c), parameters: try .init(maxTokens: 12))
        let before = try engine.run(request) { _ in }.text
        _ = try engine.logLikelihoods(prompt: prompt(c), continuations: ["in 1889", "Nepal"])
        #expect(try engine.run(request) { _ in }.text == before)
    }

    /// The same numbers as running the model by hand: batched prompt but its last token, then one token at a time,
    /// log-softmax of each step's logits.
    @Test func continuationLikelihoodsEqualAStepByStepComputation() throws {
        let engine = try Fixture.engine()
        let c = cases[1]
        let continuations = ["light energy into chemical energy", " glucose", "The mitochondria"]
            .map { engine.tokenizer.encode($0, parseSpecial: false, addBOS: false) }
        engine.resetCache()
        let scores = try engine.logLikelihoods(prompt: prompt(c), continuations: continuations)
        let ids = engine.promptTokens(prompt(c))
        let vocab = engine.model.config.vocabSize
        for (k, cont) in continuations.enumerated() {
            let state = engine.model.makeState(contextLength: engine.contextLength)
            try engine.model.forward(Array(ids.dropLast()), state: state, threads: 2)
            try engine.model.forward([ids.last!], state: state, threads: 2)
            var sum = 0.0
            for (i, t) in cont.enumerated() {
                if i > 0 { try engine.model.forward([cont[i - 1]], state: state, threads: 2) }
                let l = (0..<vocab).map { Double(state.logits[$0]) }
                let m = l.max()!
                sum += l[Int(t)] - m - log(l.reduce(0) { $0 + exp($1 - m) })
            }
            #expect(abs(scores[k].logProbability - sum) < 1e-9, "continuation \(k): \(scores[k].logProbability) vs \(sum)")
            #expect(scores[k].tokens == cont.count)
        }
    }

    /// Decode speed with and without a copy-span constraint (same prompt, greedy, fixed length where possible).
    @Test func constrainedDecodeSpeed() throws {
        let engine = try LocalGenerator(modelPath: Fixture.modelPath, threads: 2, contextLength: 2048, adaptiveThreads: false)
        let c = Case(question: "Summarise the context.", blocks: [
            (0..<40).map { "Sentence \($0) of the long context mentions item \($0 * 7) and the colour blue." }.joined(separator: " "),
        ])
        let n = 48
        let params = try GenerationParameters(temperature: 0, maxTokens: n)
        // The copy-span constraint with no end token allowed, so both runs decode the same number of tokens unless
        // the span reaches the block's end.
        let blocks = CopySpanConstraint.blockTokens(c.blocks, tokenizer: engine.tokenizer)
        func rate(_ constraint: (any LogitsConstraint)?) throws -> (Double, Int) {
            var best = 0.0, tokens = 0
            for _ in 0..<3 {
                let s = try engine.run(GenerationRequest(prompt: prompt(c), parameters: params), constraint: constraint) { _ in }
                tokens = s.completionTokens
                best = max(best, Double(s.completionTokens) / s.timings.generationSeconds)
            }
            return (best, tokens)
        }
        let t0 = Date()
        let automaton = TokenSuffixAutomaton(blocks: blocks)
        let build = Date().timeIntervalSince(t0)
        let free = try rate(nil)
        let copy = try rate(CopySpanConstraint(automaton: automaton, endTokens: [], startAliases: engine.leadingSpaceAliases))
        // The mask alone, at the root (every word start of the block) and mid-span, over the whole vocabulary.
        let vocab = engine.model.config.vocabSize
        var logits = [Float](repeating: 0, count: vocab)
        var root = CopySpanConstraint(automaton: automaton, endTokens: [], startAliases: engine.leadingSpaceAliases,
                                      startTokens: CopySpanConstraint.wordStartTokens(blocks: blocks, tokenizer: engine.tokenizer))
        let tm = Date()
        for _ in 0..<1000 { logits.withUnsafeMutableBufferPointer { root.mask(logits: $0.baseAddress!, vocab: vocab) } }
        let rootMask = Date().timeIntervalSince(tm) / 1000
        let rootAllowed = root.allowedTokens().count
        root.accept(blocks[0][0])
        let tm2 = Date()
        for _ in 0..<1000 { logits.withUnsafeMutableBufferPointer { root.mask(logits: $0.baseAddress!, vocab: vocab) } }
        let midMask = Date().timeIntervalSince(tm2) / 1000
        print(String(format: "mask µs per step: first token %.1f (%d allowed), mid-span %.1f (%d allowed)", rootMask * 1e6, rootAllowed,
                     midMask * 1e6, root.allowedTokens().count))
        print(String(format: "decode tok/s: unconstrained %.1f (%d tokens), copy-span %.1f (%d tokens); automaton of %d tokens, %d states built in %.2f ms",
                     free.0, free.1, copy.0, copy.1, automaton.tokenCount, automaton.stateCount, build * 1000))
    }
}
