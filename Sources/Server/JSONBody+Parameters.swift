/// The request fields several routes share: sampling parameters and the retrieval mode.
import RAGCore
import Retrieval

extension JSONBody {
    /// Sampling fields shared by /v1/ask, /v1/chat/completions and /v1/completions, over `base`: the body gives the
    /// JSON types, `GenerationParameters` checks the values (one rule, `invalid_field` naming the field).
    func generationParameters(base: GenerationParameters, contextLength: Int) throws -> GenerationParameters {
        let seed = try int("seed", in: 0...Int.max).map { UInt64($0) }
        return try base.with(temperature: try number("temperature"), topK: try integer("top_k"), topP: try number("top_p"),
                             minP: try number("min_p"), repeatPenalty: try number("repeat_penalty"),
                             maxTokens: try integer("max_completion_tokens") ?? integer("max_tokens"),
                             stop: try strings("stop", maxCount: 16, maxLength: 256), seed: seed.map { .some($0) },
                             contextLength: contextLength)
    }

    func mode(default d: RetrievalMode) throws -> RetrievalMode {
        guard let s = try string("mode") else { return d }
        guard let m = RetrievalMode(rawValue: s) else {
            throw APIError.invalid("mode", "expected one of dense, keyword, hybrid, got \"\(s)\"")
        }
        return m
    }
}
