/// Min-p: drop candidates whose probability is below min_p times the best candidate's.

struct MinP {
    let p: Float

    func apply(_ c: inout SamplerCandidates) {
        guard p > 0, c.count > 1 else { return }
        c.sortDescending()
        // p_i ≥ p·p_max  ⇔  logit_i ≥ logit_max + ln p
        let threshold = c.logits[0] + logf(p)
        var n = 1
        while n < c.count && c.logits[n] >= threshold { n += 1 }
        c.keepFirst(n)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
