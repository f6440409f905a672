/// The sampling constraints on hand-made token sequences and logits (no model): the suffix automaton against brute
/// force, the copy-span and choice constraints' masks, and the sampler never choosing a masked token.
import RAGCore
import Testing
@testable import Generator

@Suite struct LogitsConstraintTests {
    /// Every contiguous span of `blocks` (each block alone), the empty one included.
    func spans(_ blocks: [[Int32]]) -> Set<[Int32]> {
        var out: Set<[Int32]> = [[]]
        for b in blocks {
            for i in 0..<b.count { for j in (i + 1)...b.count { out.insert(Array(b[i..<j])) } }
        }
        return out
    }

    @Test func theAutomatonAcceptsEverySpanAndNothingElse() {
        let blocks: [[Int32]] = [[1, 2, 3, 2, 3, 4], [5, 1, 2]]
        let sam = TokenSuffixAutomaton(blocks: blocks)
        let all = spans(blocks)
        for s in all { #expect(sam.contains(s), "\(s)") }
        // Every sequence of up to 4 tokens over the alphabet (and a token absent from the blocks).
        var checked = 0
        func visit(_ prefix: [Int32]) {
            if prefix.count == 4 { return }
            for t: Int32 in 0...6 {
                let s = prefix + [t]
                #expect(sam.contains(s) == all.contains(s), "\(s)")
                checked += 1
                visit(s)
            }
        }
        visit([])
        #expect(checked > 2000)
        #expect(sam.tokenCount == 9)
    }

    @Test func aSpanNeverCrossesABlockBoundary() {
        let sam = TokenSuffixAutomaton(blocks: [[1, 2, 3], [4, 5, 6]])
        #expect(sam.contains([2, 3]))
        #expect(sam.contains([4, 5]))
        #expect(!sam.contains([3, 4]))
        #expect(!sam.contains([2, 3, 4]))
        // After the last token of block 1 nothing may follow (the separator is not a token).
        let end = sam.walk([1, 2, 3])!
        #expect(sam.allowedTokens(end).isEmpty)
        #expect(!sam.hasContinuation(end))
        #expect(Set(sam.allowedTokens(TokenSuffixAutomaton.root)) == [1, 2, 3, 4, 5, 6])
    }

    /// Random blocks over a small alphabet (many repeats, so many clones): the automaton agrees with brute force
    /// on every span and on random probes, its allowed tokens are exactly the one-token extensions, and it stays
    /// within 2n states.
    @Test func randomBlocksAgreeWithBruteForce() {
        var rng = SplitMix64(seed: 12)
        for round in 0..<60 {
            let alphabet = Int32(2 + round % 5)
            let blockCount = 1 + Int(rng.next() % 3)
            let blocks: [[Int32]] = (0..<blockCount).map { _ in
                (0..<Int(rng.next() % 14)).map { _ in Int32(rng.next() % UInt64(alphabet)) }
            }
            let sam = TokenSuffixAutomaton(blocks: blocks)
            let all = spans(blocks)
            let n = blocks.reduce(0) { $0 + $1.count }
            #expect(sam.stateCount <= max(2, 2 * (n + blocks.count)))
            for s in all {
                guard let state = sam.walk(s) else { Issue.record("span \(s) of \(blocks) rejected"); continue }
                let expected = Set((0..<alphabet).filter { all.contains(s + [$0]) })
                #expect(Set(sam.allowedTokens(state)) == expected, "\(blocks) after \(s)")
            }
            for _ in 0..<200 {
                let probe = (0..<Int(1 + rng.next() % 6)).map { _ in Int32(rng.next() % UInt64(alphabet + 1)) }
                #expect(sam.contains(probe) == all.contains(probe), "\(blocks) probe \(probe)")
            }
        }
    }

    @Test func theTokenCapCutsTheBlocks() {
        let sam = TokenSuffixAutomaton(blocks: [[1, 2, 3], [4, 5, 6]], maxTokens: 4)
        #expect(sam.tokenCount == 4)
        #expect(sam.contains([1, 2, 3]))
        #expect(sam.contains([4]))
        #expect(!sam.contains([5]))
        // A long context builds in linear time and size.
        var rng = SplitMix64(seed: 3)
        let big = TokenSuffixAutomaton(blocks: [(0..<20_000).map { _ in Int32(rng.next() % 500) }])
        #expect(big.tokenCount == TokenSuffixAutomaton.defaultMaxTokens)
        #expect(big.stateCount <= 2 * TokenSuffixAutomaton.defaultMaxTokens)
    }

    /// Allowed tokens after masking (logits above -infinity).
    func allowed(_ c: some LogitsConstraint, vocab: Int = 12) -> Set<Int32> {
        var l = [Float](repeating: 1, count: vocab)
        l.withUnsafeMutableBufferPointer { c.mask(logits: $0.baseAddress!, vocab: vocab) }
        return Set(l.indices.filter { l[$0] > -.infinity }.map { Int32($0) })
    }

    @Test func copySpanAllowsTheEndOnlyAfterAToken() {
        let end: Int32 = 11
        var c = CopySpanConstraint(blocks: [[1, 2, 3], [4, 2, 5]], endTokens: [end])
        #expect(allowed(c) == [1, 2, 3, 4, 5])  // no end before the first token
        #expect(!c.canEnd)
        #expect(c.canContinue)
        c.accept(2)
        #expect(allowed(c) == [3, 5, end])
        #expect(c.canEnd)
        c.accept(5)
        #expect(allowed(c) == [end])  // the block's end: only end of generation
        #expect(c.canEnd && !c.canContinue && c.isExhausted)
        // A token it did not allow kills it: nothing allowed, not even the end.
        var d = CopySpanConstraint(blocks: [[1, 2]], endTokens: [end])
        d.accept(2)
        d.accept(1)
        #expect(allowed(d).isEmpty)
        #expect(!d.canEnd && !d.canContinue)
        // No block: nothing is possible from the start.
        let none = CopySpanConstraint(blocks: [], endTokens: [end])
        #expect(allowed(none).isEmpty && !none.canEnd && !none.canContinue)
    }

    @Test func startAliasesOnlyOpenASpan() {
        // 7 stands for 2 (its text without the leading space), 8 for 9 (absent: dropped), 1 for 3 (1 starts a
        // span itself: dropped).
        var c = CopySpanConstraint(blocks: [[1, 2, 3]], endTokens: [11], startAliases: [7: 2, 8: 9, 1: 3])
        #expect(c.startAliases == [7: 2])
        #expect(allowed(c) == [1, 2, 3, 7])
        c.accept(7)
        #expect(allowed(c) == [3, 11])
        c.accept(3)
        #expect(c.canEnd && !c.canContinue)
        var d = CopySpanConstraint(blocks: [[1, 2, 3]], endTokens: [11], startAliases: [7: 2])
        d.accept(1)
        #expect(allowed(d) == [2, 11])  // not 7: aliases start a span only
    }

    @Test func startTokensFilterOnlyTheFirstToken() {
        // Spans may start with 1 or 4 only (or 7, an alias of 4); after the first token any continuation.
        let blocks: [[Int32]] = [[1, 2, 3], [4, 2, 5]]
        var c = CopySpanConstraint(blocks: blocks, endTokens: [11], startAliases: [7: 4, 8: 2], startTokens: [1, 4])
        #expect(c.startAliases == [7: 4])  // 8 → 2: 2 may not start a span
        #expect(allowed(c) == [1, 4, 7])
        c.accept(1)
        #expect(allowed(c) == [2, 11])
        c.accept(2)
        #expect(allowed(c) == [3, 11])
        var d = CopySpanConstraint(blocks: blocks, endTokens: [11], startTokens: [1, 4])
        d.accept(2)  // not a start: dead
        #expect(!d.canEnd && allowed(d).isEmpty)
        var e = CopySpanConstraint(blocks: blocks, endTokens: [11], startAliases: [7: 4], startTokens: [1, 4])
        e.accept(7)
        #expect(allowed(e) == [2, 11])
        // No allowed start: nothing possible.
        let none = CopySpanConstraint(blocks: blocks, endTokens: [11], startTokens: [9])
        #expect(!none.canContinue && allowed(none).isEmpty)
    }

    @Test func choiceAllowsExactlyTheChoices() {
        let end: Int32 = 11
        // "yes" = [1], "no" = [2, 3], "not" = [2, 3, 4] (a choice that extends another).
        var c = ChoiceConstraint(choices: [[1], [2, 3], [2, 3, 4], []], endTokens: [end])
        #expect(allowed(c) == [1, 2])
        #expect(!c.canEnd)
        c.accept(2)
        #expect(allowed(c) == [3])  // "n" alone is no choice
        c.accept(3)
        #expect(allowed(c) == [4, end])
        #expect(c.isComplete && c.canContinue)
        c.accept(4)
        #expect(allowed(c) == [end])
        var y = ChoiceConstraint(choices: [[1], [2, 3]], endTokens: [end])
        y.accept(1)
        #expect(y.canEnd && !y.canContinue)
        y.accept(1)
        #expect(!y.canEnd && allowed(y).isEmpty)
    }

    @Test func theSamplerNeverPicksAMaskedToken() throws {
        // Token 1 has by far the highest logit but is masked; 3 and 4 tie below it.
        let logits: [Float] = [0, 100, 2, 5, 5, -3]
        let only = ChoiceConstraint(choices: [[3], [4], [5]], endTokens: [])
        var greedy = Sampler(try GenerationParameters(temperature: 0))
        var l = logits
        #expect(l.withUnsafeMutableBufferPointer { greedy.sample(logits: $0.baseAddress!, vocab: 6, history: [], constraint: only) } == 3)
        // Every allowed logit far below a masked one, and allowed logits of -1e30.
        let low: [Float] = [50, 40, -1e30, -1e30, 30, 20]
        let tail = ChoiceConstraint(choices: [[2], [3]], endTokens: [])
        l = low
        #expect(l.withUnsafeMutableBufferPointer { greedy.sample(logits: $0.baseAddress!, vocab: 6, history: [], constraint: tail) } == 2)
        // Sampling, several settings and seeds, with a repeat penalty on the masked token: always allowed.
        for (k, t) in [(0, 1.5), (2, 0.8), (40, 2.0)] {
            for seed in UInt64(0)..<200 {
                var s = Sampler(try GenerationParameters(temperature: t, topK: k, topP: 1, minP: 0, repeatPenalty: 1.3, seed: seed))
                var x = logits
                let token = x.withUnsafeMutableBufferPointer { s.sample(logits: $0.baseAddress!, vocab: 6, history: [1, 3], constraint: only) }
                #expect(token.map { [3, 4, 5].contains($0) } == true, "k \(k) t \(t) seed \(seed): \(String(describing: token))")
            }
        }
        // Nothing allowed: no token, never a masked one.
        let none = ChoiceConstraint(choices: [], endTokens: [])
        l = logits
        #expect(l.withUnsafeMutableBufferPointer { greedy.sample(logits: $0.baseAddress!, vocab: 6, history: [], constraint: none) } == nil)
        var hot = Sampler(try GenerationParameters(temperature: 1, seed: 1))
        l = logits
        #expect(l.withUnsafeMutableBufferPointer { hot.sample(logits: $0.baseAddress!, vocab: 6, history: [], constraint: none) } == nil)
    }

    @Test func withoutAConstraintTheSamplerIsUnchanged() throws {
        let logits: [Float] = [1.0, 4.0, 3.0, -2.0, 3.5, 0.0]
        for seed in UInt64(0)..<50 {
            var a = Sampler(try GenerationParameters(temperature: 1.5, topK: 3, seed: seed))
            var b = a
            var x = logits, y = logits
            let ta = x.withUnsafeMutableBufferPointer { a.sample(logits: $0.baseAddress!, vocab: 6, history: []) }
            let tb = y.withUnsafeMutableBufferPointer { b.sample(logits: $0.baseAddress!, vocab: 6, history: [], constraint: nil) }
            #expect(ta == tb)
        }
    }
}
