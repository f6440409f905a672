/// Each sampling step on small hand-made logits.
import RAGCore
import Testing
@testable import Generator

@Suite struct SamplerTests {
    let logits: [Float] = [1.0, 4.0, 3.0, -2.0, 3.5, 0.0]

    @Test func topKKeepsTheKHighestLogitsInOrder() {
        let c = logits.withUnsafeBufferPointer { TopK(k: 3).candidates(from: $0.baseAddress!, vocab: logits.count) }
        #expect(c.ids == [1, 4, 2])
    }

    @Test func topPKeepsTheSmallestNucleusReachingP() {
        var c = SamplerCandidates(ids: [0, 1, 2], logits: [2.0, 1.0, 0.0])  // p ≈ 0.665, 0.245, 0.090
        TopP(p: 0.8).apply(&c)
        #expect(c.ids == [0, 1])
        var all = SamplerCandidates(ids: [0, 1, 2], logits: [2.0, 1.0, 0.0])
        TopP(p: 1).apply(&all)
        #expect(all.count == 3)
    }

    @Test func minPDropsCandidatesBelowAFractionOfTheBest() {
        var c = SamplerCandidates(ids: [0, 1, 2], logits: [2.0, 1.0, 0.0])  // ratios 1, e⁻¹ ≈ 0.37, e⁻² ≈ 0.14
        MinP(p: 0.2).apply(&c)
        #expect(c.ids == [0, 1])
    }

    @Test func repeatPenaltyDividesPositiveAndMultipliesNegativeLogitsOfSeenTokens() {
        var l = logits
        l.withUnsafeMutableBufferPointer { RepeatPenalty(penalty: 2, lastN: 2).apply(to: $0.baseAddress!, history: [0, 1, 3, 1]) }
        #expect(l == [1.0, 2.0, 3.0, -4.0, 3.5, 0.0])  // only the last two tokens (3, 1) count, each once
    }

    @Test func greedyPicksTheArgmaxAndSeededSamplingRepeats() throws {
        var greedy = try Sampler(GenerationParameters(temperature: 0), contextLength: 1000)
        var l = logits
        #expect(l.withUnsafeMutableBufferPointer { greedy.sample(logits: $0.baseAddress!, vocab: 6, history: []) } == 1)
        func draws(_ seed: UInt64) throws -> [Int32] {
            var s = try Sampler(GenerationParameters(temperature: 1.5, topK: 0, topP: 1, minP: 0, seed: seed), contextLength: 1000)
            return (0..<50).map { _ in var x = logits; return x.withUnsafeMutableBufferPointer { s.sample(logits: $0.baseAddress!, vocab: 6, history: []) } }
        }
        #expect(try draws(1) == draws(1))
        #expect(Set(try draws(1)).count > 1)
    }

    @Test(arguments: [
        ("temperature", GenerationParameters(temperature: -1)),
        ("top_k", GenerationParameters(topK: -3)),
        ("top_p", GenerationParameters(topP: 0)),
        ("top_p", GenerationParameters(topP: 1.01)),
        ("min_p", GenerationParameters(minP: 2)),
        ("repeat_penalty", GenerationParameters(repeatPenalty: 0)),
        ("max_tokens", GenerationParameters(maxTokens: 0)),
        ("max_tokens", GenerationParameters(maxTokens: 1001)),
        ("stop", GenerationParameters(stop: [""])),
    ])
    func invalidParametersNameTheField(field: String, p: GenerationParameters) {
        #expect { _ = try Sampler(p, contextLength: 1000) } throws: { ($0 as? RAGError)?.message.hasPrefix(field) == true }
    }
}
