/// Generation flags shared by `ask` and `generate`, named as the JSON fields, with the answer defaults.
import ArgumentParser
import Foundation
import RAGCore

struct GenerationOptions: ParsableArguments {
    static let defaults = GenerationParameters.answer

    @Option(help: "Sampling temperature in [0, 2]; 0 is greedy.") var temperature: Double = defaults.temperature
    @Option(name: .customLong("top-k"), help: "Keep the k most likely tokens; 0 is off.") var topK: Int = defaults.topK
    @Option(name: .customLong("top-p"), help: "Nucleus sampling mass in (0, 1].") var topP: Double = defaults.topP
    @Option(name: .customLong("min-p"), help: "Drop tokens below this share of the best one's probability.") var minP: Double = defaults.minP
    @Option(help: "Penalty for repeating recent tokens; 1 is off.") var repeatPenalty: Double = defaults.repeatPenalty
    @Option(help: "Most tokens to generate (at most the context length).") var maxTokens: Int = defaults.maxTokens
    @Option(help: "Stop when this text appears (repeatable).") var stop: [String] = []
    @Option(help: "Random seed: the same seed gives the same answer.") var seed: UInt64?

    /// The flags as one validated value; errors (`invalid_field`, exit status 2) name the flag and value.
    func parameters(contextLength: Int) throws -> GenerationParameters {
        do {
            return try GenerationParameters(temperature: temperature, topK: topK, topP: topP, minP: minP, repeatPenalty: repeatPenalty,
                                            maxTokens: maxTokens, stop: stop, seed: seed, contextLength: contextLength)
        } catch let e as RAGError {
            // The value type names its JSON field (`top_p: …`); on the command line the user typed `--top-p`.
            guard let colon = e.message.firstIndex(of: ":"), !e.message[..<colon].contains(" ") else { throw e }
            let flag = "--" + e.message[..<colon].replacingOccurrences(of: "_", with: "-")
            throw RAGError(e.code, flag + e.message[colon...], underlying: e)
        }
    }
}
