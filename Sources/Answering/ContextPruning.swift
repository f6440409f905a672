/// Evidence first: the generator reads the sentences of each chunk that bear on the question, not whole chunks.
/// Context pruning cuts the prompt (prefill is most of the time to first token) and leaves the small model less
/// to wander off into.
import Store

public enum ContextPruning {
    /// `hit` with its text cut to the `keep` sentences sharing the most content words with the question (ties:
    /// earlier first), each with `neighbours` sentences of surrounding text, in the chunk's order, joined by " … ".
    /// A chunk of at most `keep + 1` sentences, or with no sentence sharing a word, is kept whole.
    public static func prune(_ hit: SearchHit, question: String, keep: Int = 2, neighbours: Int = 0) -> SearchHit {
        let q = ExtractiveAnswerer.terms(question)
        let sentences = ExtractiveAnswerer.sentences(hit.text)
        guard sentences.count > keep + 1 else { return hit }
        let scored = sentences.enumerated().map { (i, s) in (i, Double(ExtractiveAnswerer.terms(s.0).intersection(q).count)) }
        let best = scored.filter { $0.1 > 0 }.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.prefix(keep).map(\.0)
        guard !best.isEmpty else { return hit }
        var chosen = Set<Int>()
        for i in best { for j in max(0, i - neighbours)...min(sentences.count - 1, i + neighbours) { chosen.insert(j) } }
        var pieces: [String] = []
        var previous = -2
        for i in chosen.sorted() {
            if previous >= 0 && i != previous + 1 { pieces.append("…") }
            pieces.append(sentences[i].0)
            previous = i
        }
        var pruned = hit
        pruned.text = pieces.joined(separator: " ")
        return pruned
    }
}
