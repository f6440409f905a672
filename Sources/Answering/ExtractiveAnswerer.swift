/// Answers without a generator: the sentences of the retrieved chunks that share the most words with the
/// question, each cited.
public enum ExtractiveAnswerer {
    static let stopwords: Set<String> = ["a", "an", "the", "is", "are", "was", "were", "be", "to", "of", "in", "on", "for",
        "and", "or", "how", "what", "which", "who", "why", "when", "where", "do", "does", "did", "i", "you", "it", "can",
        "with", "by", "from", "at", "as", "that", "this", "my", "me", "we", "should", "will", "would", "there", "if"]

    static func terms(_ text: String) -> Set<String> {
        Set(text.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map { word -> String in
            var w = String(word)
            if w.count > 4 && w.hasSuffix("s") { w.removeLast() }
            return w
        }.filter { !stopwords.contains($0) })
    }

    /// Up to `maxSentences` sentences, best first, each followed by the number of its block.
    public static func answer(question: String, blocks: [ContextBlock], maxSentences: Int = 3) -> String {
        let q = terms(question)
        var scored: [(score: Double, order: Int, text: String, n: Int)] = []
        var order = 0
        for block in blocks {
            for sentence in splitSentences(block.text) {
                let t = terms(sentence)
                guard !t.isEmpty else { continue }
                let overlap = Double(t.intersection(q).count)
                if overlap > 0 {
                    // Favour sentences that cover the question over long ones that merely mention it.
                    scored.append((overlap / Double(q.count) + overlap / Double(t.count) * 0.25, order, sentence, block.n))
                }
                order += 1
            }
        }
        let best = scored.sorted { $0.score != $1.score ? $0.score > $1.score : $0.order < $1.order }.prefix(maxSentences)
        return best.map { "\($0.text) [\($0.n)]" }.joined(separator: " ")
    }

    static func splitSentences(_ text: String) -> [String] {
        var out: [String] = []
        var current = ""
        var previous: Character = " "
        for ch in text {
            if ch == "\n" {
                if !current.trimmingCharacters(in: " ").isEmpty { out.append(current.trimmingCharacters(in: " ")) }
                current = ""
            } else if ch == " " && (previous == "." || previous == "?" || previous == "!") {
                out.append(current.trimmingCharacters(in: " "))
                current = ""
            } else {
                current.append(ch)
            }
            previous = ch
        }
        let last = current.trimmingCharacters(in: " ")
        if !last.isEmpty { out.append(last) }
        return out.filter { $0.count > 20 }
    }
}

extension String {
    func trimmingCharacters(in set: Character) -> String { Substring(self).trimmingCharacters(in: set) }
}
