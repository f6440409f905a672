/// How likely the model finds one continuation of a prompt (`LocalGenerator.logLikelihoods`).
import RAGCore

public struct ContinuationScore: Sendable, Equatable {
    /// Sum of the natural-log probabilities of the continuation's tokens (0 for an empty continuation).
    public var logProbability: Double
    /// Tokens in the continuation.
    public var tokens: Int
    /// Mean log probability per token (0 for an empty continuation): comparable across lengths.
    public var meanLogProbability: Double { tokens > 0 ? logProbability / Double(tokens) : 0 }

    public init(logProbability: Double, tokens: Int) {
        self.logProbability = logProbability
        self.tokens = tokens
    }
}

extension LocalGenerator: ContinuationScoring {
    public func continuationLogProbabilities(prompt: GenerationPrompt, continuations: [String]) throws -> [Double] {
        try logLikelihoods(prompt: prompt, continuations: continuations).map(\.logProbability)
    }
}
