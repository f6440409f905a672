/// Each sampling step on small hand-made logits.
import RAGCore
import Testing
@testable import Generator

@Suite struct SamplerTests {
    let logits: [Float] = [1.0, 4.0, 3.0, -2.0, 3.5, 0.0]

    @Test func topKKeepsTheKHighestLogitsInOrder() {
        let c = logits.withUnsafeBufferPointer { SamplerTopK(k: 3).candidates(from: $0.baseAddress!, vocab: logits.count) }
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
        var greedy = Sampler(try GenerationParameters(temperature: 0))
        var l = logits
        #expect(l.withUnsafeMutableBufferPointer { greedy.sample(logits: $0.baseAddress!, vocab: 6, history: []) } == 1)
        func draws(_ seed: UInt64) throws -> [Int32] {
            var s = Sampler(try GenerationParameters(temperature: 1.5, topK: 0, topP: 1, minP: 0, seed: seed))
            return (0..<50).map { _ in var x = logits; return x.withUnsafeMutableBufferPointer { s.sample(logits: $0.baseAddress!, vocab: 6, history: []) } }
        }
        #expect(try draws(1) == draws(1))
        #expect(Set(try draws(1)).count > 1)
    }

    /// The sampler takes only valid parameters: building an invalid value is the error, naming the field.
    @Test func invalidParametersNameTheField() {
        let cases: [(String, () throws -> GenerationParameters)] = [
            ("temperature", { try GenerationParameters(temperature: -1) }),
            ("top_k", { try GenerationParameters(topK: -3) }),
            ("top_p", { try GenerationParameters(topP: 0) }),
            ("top_p", { try GenerationParameters(topP: 1.01) }),
            ("min_p", { try GenerationParameters(minP: 2) }),
            ("repeat_penalty", { try GenerationParameters(repeatPenalty: 0) }),
            ("max_tokens", { try GenerationParameters(maxTokens: 0, contextLength: 1000) }),
            ("max_tokens", { try GenerationParameters(maxTokens: 1001, contextLength: 1000) }),
            ("stop", { try GenerationParameters(stop: [""]) }),
        ]
        for (field, build) in cases {
            #expect("\(field)") { _ = try build() } throws: {
                ($0 as? RAGError)?.code.rawValue == "invalid_field" && ($0 as? RAGError)?.message.hasPrefix(field) == true
            }
        }
    }

    @Test func maxTokensMayFillTheContextButNotExceedIt() throws {
        #expect(try GenerationParameters(maxTokens: 1000, contextLength: 1000).maxTokens == 1000)
        #expect(throws: RAGError.self) { try GenerationParameters(maxTokens: 1001, contextLength: 1000) }
    }
}
