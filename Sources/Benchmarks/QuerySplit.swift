/// The seeded split of an evaluation set's query (or question) ids into a tuning part and a held-back part, so a
/// setting chosen on one part is judged on queries it was not chosen on.
import RAGCore

public struct QuerySplit: Sendable {
    /// The ids the search may score settings on.
    public let tuning: [String]
    /// The ids only the final report scores (defaults and the best settings), never the search.
    public let heldBack: [String]

    /// The ids sorted, shuffled by Fisher–Yates with `SplitMix64(seed:)`, and the first
    /// `Int((Double(n) * tuneFraction).rounded())` taken for tuning (the fraction clamped to [0, 1]); the same ids,
    /// fraction and seed always give the same split, whatever order the ids came in.
    public init(ids: [String], tuneFraction: Double, seed: UInt64) {
        var shuffled = ids.sorted()
        var rng = SplitMix64(seed: seed)
        if shuffled.count > 1 {
            for i in stride(from: shuffled.count - 1, to: 0, by: -1) {
                let j = Int(rng.next() % UInt64(i + 1))
                shuffled.swapAt(i, j)
            }
        }
        let fraction = tuneFraction.isFinite ? min(max(tuneFraction, 0), 1) : 0
        let n = Int((Double(shuffled.count) * fraction).rounded())
        tuning = Array(shuffled.prefix(n))
        heldBack = Array(shuffled.dropFirst(n))
    }
}
