/// The working set of a sampling step: candidate token ids with their logits, narrowed by each processor in turn.

struct SamplerCandidates {
    var ids: [Int32]
    var logits: [Float]
    /// True once `ids` is ordered by descending logit.
    var sorted = false

    init(ids: [Int32], logits: [Float]) { self.ids = ids; self.logits = logits }

    var count: Int { ids.count }

    mutating func sortDescending() {
        if sorted { return }
        let order = ids.indices.sorted { logits[$0] > logits[$1] || (logits[$0] == logits[$1] && ids[$0] < ids[$1]) }
        ids = order.map { ids[$0] }
        logits = order.map { logits[$0] }
        sorted = true
    }

    mutating func keepFirst(_ n: Int) {
        if n < ids.count { ids.removeLast(ids.count - n); logits.removeLast(logits.count - n) }
    }

    /// Drops candidates a constraint masked (logit -infinity), which top-k keeps when fewer tokens are allowed.
    mutating func removeMasked() {
        guard logits.contains(-.infinity) else { return }
        var keepIDs: [Int32] = [], keepLogits: [Float] = []
        for (i, l) in logits.enumerated() where l > -.infinity { keepIDs.append(ids[i]); keepLogits.append(l) }
        ids = keepIDs
        logits = keepLogits
    }

    /// Softmax probabilities of the current logits (in candidate order).
    func probabilities(temperature: Float = 1) -> [Float] {
        guard let m = logits.max() else { return [] }
        var p = logits.map { expf(($0 - m) / temperature) }
        let sum = p.reduce(0, +)
        for i in p.indices { p[i] /= sum }
        return p
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
