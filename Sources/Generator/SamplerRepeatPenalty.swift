/// Repeat penalty (CTRL-style, as llama.cpp): logits of recently seen tokens are divided (if positive) or multiplied
/// (if negative) by the penalty.

struct RepeatPenalty {
    let penalty: Float
    let lastN: Int

    func apply(to logits: UnsafeMutablePointer<Float>, history: [Int32]) {
        guard penalty != 1, lastN > 0 else { return }
        var seen = Set<Int32>()
        for id in history.suffix(lastN) where seen.insert(id).inserted {
            let l = logits[Int(id)]
            logits[Int(id)] = l > 0 ? l / penalty : l * penalty
        }
    }
}
