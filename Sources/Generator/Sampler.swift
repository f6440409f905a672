/// Picks the next token from logits: a constraint's mask, repeat penalty, then greedy, or top-k → top-p → min-p → temperature → draw.
import RAGCore

public struct Sampler: Sendable {
    public let parameters: GenerationParameters
    private var rng: SplitMix64

    /// Seeds the generator; `p` is valid by construction (`GenerationParameters` checks its fields where it is built).
    public init(_ p: GenerationParameters) {
        parameters = p
        var sys = SystemRandomNumberGenerator()
        rng = SplitMix64(seed: p.seed ?? sys.next())
    }

    /// The next token. `logits` (vocab) may be modified by the repeat penalty.
    public mutating func sample(logits: UnsafeMutablePointer<Float>, vocab: Int, history: [Int32]) -> Int32 {
        sample(logits: logits, vocab: vocab, history: history, constraint: nil) ?? Sampler.argmax(logits, vocab)
    }

    /// The next token `constraint` allows, nil when it allows none. The constraint masks `logits` first, before
    /// the repeat penalty, greedy choice and top-k, so a masked token is never chosen (not on a tie, not when every
    /// allowed logit is far below it). The caller advances the constraint with the token.
    public mutating func sample(logits: UnsafeMutablePointer<Float>, vocab: Int, history: [Int32],
                                constraint: (any LogitsConstraint)?) -> Int32? {
        let p = parameters
        if let constraint {
            constraint.mask(logits: logits, vocab: vocab)
            guard Sampler.anyAllowed(logits, vocab) else { return nil }
        }
        RepeatPenalty(penalty: Float(p.repeatPenalty), lastN: p.repeatLastN).apply(to: logits, history: history)
        if p.temperature == 0 { return Sampler.argmax(logits, vocab) }
        var c = SamplerTopK(k: p.topK).candidates(from: logits, vocab: vocab)
        c.removeMasked()
        TopP(p: Float(p.topP)).apply(&c)
        MinP(p: Float(p.minP)).apply(&c)
        let probs = c.probabilities(temperature: Float(p.temperature))
        let u = rng.unitFloat()
        var cum: Float = 0
        for (i, q) in probs.enumerated() {
            cum += q
            if u < cum { return c.ids[i] }
        }
        return c.ids[c.count - 1]
    }

    /// Whether some logit is above -infinity (a token is allowed).
    static func anyAllowed(_ logits: UnsafePointer<Float>, _ n: Int) -> Bool {
        for i in 0..<n where logits[i] > -.infinity { return true }
        return false
    }

    /// Index of the largest logit (the lowest id on ties, like llama.cpp's greedy sampler).
    public static func argmax(_ logits: UnsafePointer<Float>, _ n: Int) -> Int32 {
        var best = 0
        for i in 1..<n where logits[i] > logits[best] { best = i }
        return Int32(best)
    }
}
