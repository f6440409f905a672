/// A sampling constraint: which tokens may come next, given the tokens already generated under it.
///
/// The sampler calls `mask` before every other step (repeat penalty, greedy, top-k…), so a disallowed token is never
/// chosen, whatever its logit. End-of-generation tokens are allowed exactly when `canEnd`: the output so far is a
/// complete valid answer (never the empty one). A constraint is stateful, one value per generation.

public protocol LogitsConstraint: Sendable {
    /// Sets the logit of every token not allowed next to -infinity (end-of-generation tokens: unless `canEnd`).
    /// It reads the constraint's state only: the sampler may call it on a copy.
    func mask(logits: UnsafeMutablePointer<Float>, vocab: Int)
    /// Advances past `token` (one `mask` allowed). A token not allowed leaves the constraint dead: nothing more
    /// is allowed and `canEnd` is false.
    mutating func accept(_ token: Int32)
    /// The output so far is a complete answer: generation may end here.
    var canEnd: Bool { get }
    /// Some token other than end of generation is allowed next.
    var canContinue: Bool { get }
}

extension LogitsConstraint {
    /// The output so far is a complete answer (`canEnd`).
    public var isComplete: Bool { canEnd }
    /// Nothing at all is allowed next: generation must stop (with a complete answer when `canEnd`).
    public var isExhausted: Bool { !canContinue }
}

/// Masks every logit except `allowed` (ids inside the vocabulary; others are ignored) and, when `end`, the
/// end-of-generation ids: keeps the kept values, fills the rest with -infinity, writes the kept values back.
func maskAllExcept(_ allowed: [Int32], end: Bool, endTokens: [Int32],
                   logits: UnsafeMutablePointer<Float>, vocab: Int) {
    var kept: [(Int, Float)] = []
    for t in allowed where t >= 0 && Int(t) < vocab { kept.append((Int(t), logits[Int(t)])) }
    if end { for t in endTokens where t >= 0 && Int(t) < vocab { kept.append((Int(t), logits[Int(t)])) } }
    logits.update(repeating: -.infinity, count: vocab)
    for (i, v) in kept { logits[i] = v }
}
