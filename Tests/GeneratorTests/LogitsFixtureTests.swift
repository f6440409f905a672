/// The forward pass against llama.cpp: last-position logits and greedy continuations of every fixture prompt.
import Foundation
import Generator
import Kernels
import RAGCore
import Testing

@Suite(.serialized) struct LogitsFixtureTests {
    /// Logits at the last prompt position of a fresh sequence.
    func lastLogits(_ engine: LocalGenerator, _ prompt: [Int32]) throws -> [Float] {
        let state = engine.model.makeState(contextLength: 512)
        try engine.model.forward(prompt, state: state, threads: 2)
        return Array(UnsafeBufferPointer(start: state.logits, count: engine.model.config.vocabSize))
    }

    @Test func lastPositionArgmaxAndTopTenValuesMatchLlamaCpp() throws {
        let engine = try Fixture.engine()
        var worst = 0.0
        for c in try Fixture.cases("generation_cases") {
            let id = c["id"] as! String
            let prompt = (c["prompt_ids"] as! [Any]).ints
            let ref = (c["last_prompt_pos_top10_logits"] as! [[Any]]).map { (Int32($0[0] as! Int), ($0[1] as! NSNumber).doubleValue) }
            let logits = try lastLogits(engine, prompt)
            #expect(Int32(logits.indices.max { logits[$0] < logits[$1] }!) == ref[0].0, "\(id): argmax differs")
            var caseWorst = 0.0
            for (tok, value) in ref {
                let diff = abs(Double(logits[Int(tok)]) - value)
                caseWorst = max(caseWorst, diff)
                #expect(diff <= 0.5, "\(id): logit of \(tok) is \(logits[Int(tok)]), llama.cpp \(value)")
            }
            worst = max(worst, caseWorst)
            print("\(id): max |Δlogit| over llama.cpp's top-10: \(String(format: "%.3f", caseWorst))")
        }
        print("max |Δlogit| over all prompts: \(String(format: "%.3f", worst))")
    }

    /// Same top-10 set, order differing only among logits within 0.05 of each other.
    @Test func lastPositionTopTenSetAndOrderMatchLlamaCpp() throws {
        let engine = try Fixture.engine()
        for c in try Fixture.cases("generation_cases") {
            let id = c["id"] as! String
            let prompt = (c["prompt_ids"] as! [Any]).ints
            let ref = (c["last_prompt_pos_top10_logits"] as! [[Any]]).map { (Int32($0[0] as! Int), ($0[1] as! NSNumber).doubleValue) }
            let logits = try lastLogits(engine, prompt)
            let ours = logits.indices.sorted { logits[$0] > logits[$1] }.prefix(10).map { Int32($0) }
            #expect(Set(ours) == Set(ref.map(\.0)), "\(id): top-10 sets differ (ours \(ours), llama.cpp \(ref.map(\.0)))")
            for (rank, (tok, _)) in ref.enumerated() where ours[rank] != tok {
                #expect(abs(Double(logits[Int(ours[rank])]) - Double(logits[Int(tok)])) <= 0.05,
                        "\(id): rank \(rank) is \(ours[rank]), llama.cpp has \(tok)")
            }
        }
    }

    /// The kernels follow llama.cpp's rounding step for step: on x86 the logits agree to the fixture's 6 decimals.
    @Test func lastPositionLogitsAreBitExactWithLlamaCppOnX86() throws {
        let engine = try Fixture.engine()
        try #require(quantKernelsAccelerated, "the AVX2 kernels do not run on this CPU")
        for c in try Fixture.cases("generation_cases") {
            let prompt = (c["prompt_ids"] as! [Any]).ints
            let logits = try lastLogits(engine, prompt)
            for pair in c["last_prompt_pos_top10_logits"] as! [[Any]] {
                let tok = pair[0] as! Int, value = (pair[1] as! NSNumber).doubleValue
                #expect(abs(Double(logits[tok]) - value) <= 5e-6 * max(1, abs(value)), "\(c["id"]!): logit of \(tok) \(logits[tok]) vs \(value)")
            }
        }
    }

    @Test func greedyContinuationsMatchLlamaCpp() async throws {
        let engine = try Fixture.engine()
        for c in try Fixture.cases("generation_cases") {
            let id = c["id"] as! String
            let expected = (c["generated_ids"] as! [Any]).ints
            let params = try GenerationParameters(temperature: 0, maxTokens: 32)
            let summary = try await engine.complete(GenerationRequest(prompt: .text(c["prompt_text"] as! String), parameters: params))
            let got = summary.completionTokenIDs
            if c["kind"] as! String == "chat" {
                #expect(got == expected, "\(id): chat continuation differs")
                #expect(summary.text == c["generated_text"] as! String)
                #expect(summary.finishReason == .stop)
            } else {
                // Raw prompts: identical up to the first step where our own top-2 logits are within 0.5.
                let prompt = (c["prompt_ids"] as! [Any]).ints
                var closeStep: Int? = nil
                for step in 0..<expected.count {
                    let logits = try lastLogits(engine, prompt + Array(expected[0..<step]))
                    let sorted = logits.sorted(by: >)
                    if sorted[0] - sorted[1] < 0.5 { closeStep = step; break }
                }
                let limit = closeStep ?? expected.count
                let matched = zip(got, expected).prefix { $0 == $1 }.count
                print("\(id): greedy prefix match \(matched)/\(expected.count); first close step: \(closeStep.map(String.init) ?? "none")")
                #expect(matched >= limit, "\(id): diverged at step \(matched) before the first close step \(limit)")
                // With the x86 kernels the numerics are llama.cpp's, decode steps included: the whole continuation matches.
                if quantKernelsAccelerated { #expect(got == expected, "\(id): continuation differs from llama.cpp's") }
            }
        }
    }
}
