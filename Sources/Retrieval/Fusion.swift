/// Fusing a dense and a keyword ranking into one: reciprocal-rank fusion (the default) or a weighted sum of
/// min-max normalised scores.

public enum Fusion: Sendable, Equatable {
    /// score = Σ 1 / (k + rank), rank from 1 in each list that has the item.
    case reciprocalRank(k: Double)
    /// score = dense · normalised dense score + keyword · normalised keyword score (each list min-max scaled to
    /// [0, 1]; an item missing from a list gets 0 from it).
    case weighted(dense: Double, keyword: Double)

    /// The RRF constant of Cormack et al. (2009), also the shared reference run's: damps the head of each list so
    /// one list's first place does not dominate.
    public static let rrfK: Double = 60
    /// Weights of `.weighted` when none are given.
    public static let defaultDenseWeight: Double = 0.5
    public static let defaultKeywordWeight: Double = 0.5

    public static let `default` = Fusion.reciprocalRank(k: rrfK)

    /// The fused ranking, best first; ties keep the order of first appearance (dense list first).
    public func fuse<Key: Hashable>(dense: [(key: Key, score: Double)], keyword: [(key: Key, score: Double)]) -> [(key: Key, score: Double)] {
        var total: [Key: Double] = [:]
        var order: [Key] = []
        func add(_ key: Key, _ value: Double) {
            if total[key] == nil { order.append(key); total[key] = 0 }
            total[key]! += value
        }
        switch self {
        case .reciprocalRank(let k):
            for (i, item) in dense.enumerated() { add(item.key, 1 / (k + Double(i + 1))) }
            for (i, item) in keyword.enumerated() { add(item.key, 1 / (k + Double(i + 1))) }
        case .weighted(let wd, let wk):
            for (list, w) in [(dense, wd), (keyword, wk)] {
                guard let hi = list.map(\.score).max(), let lo = list.map(\.score).min() else { continue }
                let span = hi - lo
                for item in list { add(item.key, w * (span > 0 ? (item.score - lo) / span : 1)) }
            }
        }
        let position = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
        return order.map { (key: $0, score: total[$0]!) }
            .sorted { $0.score != $1.score ? $0.score > $1.score : position[$0.key]! < position[$1.key]! }
    }
}
