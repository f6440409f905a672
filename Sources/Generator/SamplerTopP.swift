/// Top-p (nucleus): keep the smallest prefix of candidates, by descending probability, whose mass reaches p.

struct TopP {
    let p: Float

    func apply(_ c: inout SamplerCandidates) {
        guard p < 1, c.count > 1 else { return }
        c.sortDescending()
        let probs = c.probabilities()
        var cum: Float = 0
        for (i, q) in probs.enumerated() {
            cum += q
            if cum >= p { c.keepFirst(i + 1); return }
        }
    }
}
