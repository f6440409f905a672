/// Choosing the context: relevance floor, near-duplicate removal and optional MMR diversification (packing into
/// the generator's token budget is `ContextPacker`).
import RAGCore
import Store

public struct SelectionOptions: Sendable {
    /// Chunks whose cosine similarity to the question is below this are not context. all-MiniLM-L6-v2 puts
    /// unrelated text around 0–0.15 and on-topic passages above 0.3.
    public var minRelevance: Double = 0.2
    /// Word-shingle Jaccard similarity above which a lower-ranked chunk is a near-duplicate (overlapping chunks,
    /// the same page ingested twice).
    public var duplicateThreshold: Double = 0.8
    /// 0 = off; otherwise the MMR trade-off λ between relevance (1) and novelty (0).
    public var mmrLambda: Double = 0
    public init() {}
}

public enum ContextSelection {
    /// Drops chunks below the floor and near-duplicates, keeping rank order. Returns the kept indices.
    public static func select(_ r: RetrievalResult, options: SelectionOptions) -> [Int] {
        var kept: [Int] = []
        var shingles: [Set<String>] = []
        for (i, hit) in r.hits.enumerated() {
            if let sims = r.similarities, sims[i] < options.minRelevance { continue }
            let s = shingleSet(hit.text)
            if shingles.contains(where: { jaccard($0, s) >= options.duplicateThreshold }) { continue }
            kept.append(i)
            shingles.append(s)
        }
        guard options.mmrLambda > 0, let sims = r.similarities, kept.count > 2 else { return kept }
        // Maximal marginal relevance over the kept chunks, novelty measured by shingle overlap.
        var chosen: [Int] = []
        var rest = kept
        while !rest.isEmpty {
            let best = rest.max { a, b in mmr(a, sims, chosen, r) < mmr(b, sims, chosen, r) }!
            chosen.append(best)
            rest.removeAll { $0 == best }
        }
        return chosen

        func mmr(_ i: Int, _ sims: [Double], _ chosen: [Int], _ r: RetrievalResult) -> Double {
            let novelty = chosen.map { jaccard(shingleSet(r.hits[$0].text), shingleSet(r.hits[i].text)) }.max() ?? 0
            return options.mmrLambda * sims[i] - (1 - options.mmrLambda) * novelty
        }
    }

    static func shingleSet(_ text: String) -> Set<String> {
        let words = text.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber })
        guard words.count >= 3 else { return Set(words.map(String.init)) }
        var out = Set<String>()
        for i in 0..<(words.count - 2) { out.insert("\(words[i]) \(words[i + 1]) \(words[i + 2])") }
        return out
    }

    static func jaccard(_ a: Set<String>, _ b: Set<String>) -> Double {
        if a.isEmpty && b.isEmpty { return 1 }
        return Double(a.intersection(b).count) / Double(a.union(b).count)
    }
}
