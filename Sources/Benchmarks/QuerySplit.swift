/// A seeded split of query ids into a tuning part and a held-back part: what is learned or tuned sees only the
/// tuning part, what is reported is measured on the held-back part.
import RAGCore

public struct QuerySplit: Sendable {
    public let tuning: [String]
    public let heldBack: [String]

    /// `ids` sorted (so the input order does not matter), shuffled by Fisher–Yates with `SplitMix64(seed:)`; the
    /// first `round(n · tuneFraction)` are the tuning part.
    public init(ids: [String], tuneFraction: Double, seed: UInt64) {
        var order = ids.sorted()
        var rng = SplitMix64(seed: seed)
        if order.count > 1 {
            for i in stride(from: order.count - 1, to: 0, by: -1) {
                let j = Int(rng.next() % UInt64(i + 1))
                order.swapAt(i, j)
            }
        }
        let cut = min(order.count, max(0, Int((Double(order.count) * tuneFraction).rounded())))
        tuning = Array(order[..<cut])
        heldBack = Array(order[cut...])
    }
}
