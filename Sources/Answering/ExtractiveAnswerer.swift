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

    /// One quoted sentence: its text, its block's number and its place in the block (Unicode-scalar offsets).
    public struct Quote: Sendable {
        public var text: String
        public var n: Int
        public var range: Range<Int>
    }

    /// Up to `maxSentences` sentences, best first, each followed by the number of its block.
    public static func answer(question: String, blocks: [ContextBlock], maxSentences: Int = 3) -> String {
        best(question: question, blocks: blocks, maxSentences: maxSentences).map { "\($0.text) [\($0.n)]" }.joined(separator: " ")
    }

    /// The `maxSentences` sentences sharing the most words with the question, best first.
    public static func best(question: String, blocks: [ContextBlock], maxSentences: Int = 3) -> [Quote] {
        let q = terms(question)
        var scored: [(score: Double, order: Int, quote: Quote)] = []
        var order = 0
        for block in blocks {
            for (sentence, range) in sentences(block.text) {
                let t = terms(sentence)
                guard !t.isEmpty else { continue }
                let overlap = Double(t.intersection(q).count)
                if overlap > 0 {
                    // Favour sentences that cover the question over long ones that merely mention it.
                    scored.append((overlap / Double(q.count) + overlap / Double(t.count) * 0.25, order,
                                   Quote(text: sentence, n: block.n, range: range)))
                }
                order += 1
            }
        }
        return scored.sorted { $0.score != $1.score ? $0.score > $1.score : $0.order < $1.order }.prefix(maxSentences).map(\.quote)
    }

    /// Sentences longer than 20 characters with their Unicode-scalar ranges in `text` (split after `.`, `?`, `!`
    /// followed by a space, and at line breaks; trimmed of spaces).
    static func sentences(_ text: String) -> [(String, Range<Int>)] {
        var out: [(String, Range<Int>)] = []
        var current = String.UnicodeScalarView()
        var start = 0
        var position = 0
        var previous: Unicode.Scalar = " "
        func flush(_ end: Int) {
            var lo = start, hi = end
            var view = Array(current)
            while let f = view.first, f == " " { view.removeFirst(); lo += 1 }
            while let l = view.last, l == " " { view.removeLast(); hi -= 1 }
            if view.count > 20 { out.append((String(String.UnicodeScalarView(view)), lo..<hi)) }
            current = String.UnicodeScalarView()
        }
        for c in text.unicodeScalars {
            if c == "\n" || (c == " " && (previous == "." || previous == "?" || previous == "!")) {
                flush(position)
                start = position + 1
            } else {
                current.append(c)
            }
            previous = c
            position += 1
        }
        flush(position)
        return out
    }
}

extension String {
    func trimmingCharacters(in set: Character) -> String { Substring(self).trimmingCharacters(in: set) }
}
