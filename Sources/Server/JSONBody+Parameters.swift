/// The request fields several routes share: sampling parameters and the retrieval mode.
import RAGCore
import Retrieval

extension JSONBody {
    /// Sampling fields shared by /v1/ask, /v1/chat/completions and /v1/completions, over `base`.
    func generationParameters(base: GenerationParameters, contextLength: Int) throws -> GenerationParameters {
        var p = base
        if let t = try double("temperature", in: 0...2) { p.temperature = t }
        if let k = try int("top_k", in: 0...100_000) { p.topK = k }
        if let v = try double("top_p", in: 0...1, excludingLower: true) { p.topP = v }
        if let v = try double("min_p", in: 0...1) { p.minP = v }
        if let v = try double("repeat_penalty", in: 0...10, excludingLower: true) { p.repeatPenalty = v }
        if let m = try int("max_tokens", in: 1...contextLength) { p.maxTokens = m }
        if let m = try int("max_completion_tokens", in: 1...contextLength) { p.maxTokens = m }
        if let s = try strings("stop", maxCount: 16, maxLength: 256) {
            if let empty = s.firstIndex(where: \.isEmpty) { throw APIError.invalid("stop[\(empty)]", "must not be empty") }
            p.stop = s
        }
        if let seed = try int("seed", in: 0...Int.max) { p.seed = UInt64(seed) }
        return p
    }

    func mode(default d: RetrievalMode) throws -> RetrievalMode {
        guard let s = try string("mode") else { return d }
        guard let m = RetrievalMode(rawValue: s) else {
            throw APIError.invalid("mode", "expected one of dense, keyword, hybrid, got \"\(s)\"")
        }
        return m
    }
}
