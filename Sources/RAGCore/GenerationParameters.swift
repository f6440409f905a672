/// Sampling and stopping parameters as a value, validated once where it is built (CLI flags, an HTTP body, the
/// answer engine's defaults) and passed unchanged to the backend and its sampler.

/// The same names as the CLI flags and JSON fields. A value that exists is valid: the only way to build one from
/// outside is the throwing initialiser, which names the field and the value at fault.
public struct GenerationParameters: Sendable, Equatable, Encodable {
    /// 0 = greedy (argmax); in [0, 2].
    public let temperature: Double
    /// 0 = off; in [0, 100 000].
    public let topK: Int
    /// In (0, 1]; 1 = off.
    public let topP: Double
    /// In [0, 1]; 0 = off.
    public let minP: Double
    /// 1 = off; in (0, 10].
    public let repeatPenalty: Double
    /// How many recent tokens the repeat penalty looks at; ≥ 0.
    public let repeatLastN: Int
    /// Most tokens to generate: at least 1, and at most the context length when the builder knows it (the one
    /// rule for `max_tokens`, over HTTP and on the command line alike; the generator also stops when the context
    /// is full).
    public let maxTokens: Int
    /// Texts that end generation when they appear in the output (they are not emitted); none empty.
    public let stop: [String]
    /// Same seed, same prompt, same parameters ⇒ same output. nil = random.
    public let seed: UInt64?

    /// Library defaults: greedy, no repeat penalty (what `/v1/completions` and `/v1/chat/completions` start from).
    public static let `default` = GenerationParameters(
        unchecked: 0, topK: 40, topP: 0.95, minP: 0.05, repeatPenalty: 1.0, repeatLastN: 64, maxTokens: 256, stop: [], seed: nil)
    /// Answer defaults: greedy with a light repeat penalty, which keeps a small model from looping over its
    /// evidence (`rag ask`, `rag generate`, `/v1/ask`).
    public static let answer = GenerationParameters(
        unchecked: 0, topK: 40, topP: 0.95, minP: 0.05, repeatPenalty: 1.1, repeatLastN: 64, maxTokens: 256, stop: [], seed: nil)

    /// - Parameter contextLength: the generator's context, when the builder knows it: `maxTokens` may not exceed it.
    /// - Throws: `invalid_field`, the message naming the field and value ("max_tokens: must be between 1 and 2048, got 0").
    public init(temperature: Double = 0, topK: Int = 40, topP: Double = 0.95, minP: Double = 0.05,
                repeatPenalty: Double = 1.0, repeatLastN: Int = 64, maxTokens: Int = 256, stop: [String] = [],
                seed: UInt64? = nil, contextLength: Int? = nil) throws {
        func invalid(_ field: String, _ rule: String, _ value: Any) -> RAGError {
            RAGError(.invalidField, "\(field): must be \(rule), got \(value)")
        }
        guard temperature.isFinite, (0...2).contains(temperature) else { throw invalid("temperature", "between 0 and 2", temperature) }
        guard (0...100_000).contains(topK) else { throw invalid("top_k", "between 0 and 100000", topK) }
        guard topP > 0, topP <= 1 else { throw invalid("top_p", "above 0 and at most 1", topP) }
        guard (0...1).contains(minP) else { throw invalid("min_p", "between 0 and 1", minP) }
        guard repeatPenalty > 0, repeatPenalty <= 10 else { throw invalid("repeat_penalty", "above 0 and at most 10", repeatPenalty) }
        guard repeatLastN >= 0 else { throw invalid("repeat_last_n", "at least 0", repeatLastN) }
        let maxAllowed = contextLength ?? Int.max
        guard (1...maxAllowed).contains(maxTokens) else {
            throw invalid("max_tokens", contextLength.map { "between 1 and the context length \($0)" } ?? "at least 1", maxTokens)
        }
        if let empty = stop.firstIndex(where: \.isEmpty) { throw RAGError(.invalidField, "stop[\(empty)]: must not be empty") }
        self.init(unchecked: temperature, topK: topK, topP: topP, minP: minP, repeatPenalty: repeatPenalty,
                  repeatLastN: repeatLastN, maxTokens: maxTokens, stop: stop, seed: seed)
    }

    private init(unchecked temperature: Double, topK: Int, topP: Double, minP: Double, repeatPenalty: Double,
                 repeatLastN: Int, maxTokens: Int, stop: [String], seed: UInt64?) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.minP = minP
        self.repeatPenalty = repeatPenalty
        self.repeatLastN = repeatLastN
        self.maxTokens = maxTokens
        self.stop = stop
        self.seed = seed
    }

    /// These parameters with fields replaced, validated again (a caller overriding a default from its own input).
    public func with(temperature: Double? = nil, topK: Int? = nil, topP: Double? = nil, minP: Double? = nil,
                     repeatPenalty: Double? = nil, maxTokens: Int? = nil, stop: [String]? = nil, seed: UInt64?? = nil,
                     contextLength: Int? = nil) throws -> GenerationParameters {
        try GenerationParameters(temperature: temperature ?? self.temperature, topK: topK ?? self.topK, topP: topP ?? self.topP,
                                 minP: minP ?? self.minP, repeatPenalty: repeatPenalty ?? self.repeatPenalty,
                                 repeatLastN: repeatLastN, maxTokens: maxTokens ?? self.maxTokens, stop: stop ?? self.stop,
                                 seed: seed ?? self.seed, contextLength: contextLength)
    }
}
