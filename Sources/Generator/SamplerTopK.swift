/// Top-k: keep the k highest logits (k = 0: all tokens within 30 of the best logit, which loses only mass < e⁻³⁰).
import Kernels

struct SamplerTopK {
    let k: Int

    /// Builds the candidate set from the full logits.
    func candidates(from logits: UnsafePointer<Float>, vocab: Int) -> SamplerCandidates {
        if k <= 0 || k >= vocab {
            var best: Float = -.infinity
            for i in 0..<vocab { best = max(best, logits[i]) }
            var ids: [Int32] = [], ls: [Float] = []
            for i in 0..<vocab where logits[i] >= best - 30 { ids.append(Int32(i)); ls.append(logits[i]) }
            var c = SamplerCandidates(ids: ids, logits: ls)
            c.sortDescending()
            return c
        }
        // The index's partial selection: ties prefer the lower id, as a stable sort would.
        var top = TopK(k: k)
        for i in 0..<vocab { top.push(logits[i], i) }
        let kept = top.sorted()
        var c = SamplerCandidates(ids: kept.map { Int32($0.id) }, logits: kept.map(\.score))
        c.sorted = true
        return c
    }
}
