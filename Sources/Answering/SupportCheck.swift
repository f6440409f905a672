/// The support check of free-form answers: a sentence is supported when most of its content words occur in the
/// context it was given, and every number it states does.
public enum SupportCheck {
    /// Share of a sentence's content words that must occur in the context.
    public static let minimumCoverage = 0.6

    /// The answer's sentences that the context does not support, in order.
    public static func unsupportedSentences(_ answer: String, context: [String]) -> [String] {
        let contextTerms = context.reduce(into: Set<String>()) { $0.formUnion(terms($1)) }
        return sentences(answer).filter { sentence in
            let words = terms(sentence)
            guard !words.isEmpty else { return false }
            let found = words.filter { contextTerms.contains($0) }
            let numbersFound = words.filter { $0.first?.isNumber == true }.allSatisfy { contextTerms.contains($0) }
            return !numbersFound || Double(found.count) / Double(words.count) < minimumCoverage
        }
    }

    /// Lower-cased content words, light-stemmed (plural `s`), citations `[n]` and stop words left out.
    static func terms(_ text: String) -> Set<String> {
        var out = Set<String>()
        var inCitation = false
        var word = ""
        func flush() {
            defer { word = "" }
            guard !word.isEmpty, !inCitation else { return }
            var w = word.lowercased()
            if w.count > 4 && w.hasSuffix("s") { w.removeLast() }
            if w.count > 1 && !ExtractiveAnswerer.stopwords.contains(w) { out.insert(w) }
        }
        for c in text {
            if c == "[" { flush(); inCitation = true; continue }
            if c == "]" { word = ""; inCitation = false; continue }
            if c.isLetter || c.isNumber { word.append(c) } else { flush() }
        }
        flush()
        return out
    }

    /// Sentences of an answer (split after `.`, `?`, `!` followed by a space, and at line breaks).
    static func sentences(_ text: String) -> [String] {
        var out: [String] = []
        var current = ""
        var previous: Character = " "
        for c in text {
            if c == "\n" || (c == " " && (previous == "." || previous == "?" || previous == "!")) {
                let t = current.trimmingCharacters(in: " ")
                if !t.isEmpty { out.append(t) }
                current = ""
            } else {
                current.append(c)
            }
            previous = c
        }
        let t = current.trimmingCharacters(in: " ")
        if !t.isEmpty { out.append(t) }
        return out
    }
}
