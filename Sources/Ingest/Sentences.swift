/// Sentence boundaries for splitting long paragraphs: after . ! ? (and their closing quotes/brackets) followed by
/// white space, or at a line break. Works on Unicode scalars so offsets come for free and no grapheme breaking runs.
enum Sentences {
    /// Ranges of the sentences in `scalars`, in order, without the separating white space.
    static func ranges(_ scalars: [Unicode.Scalar]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var start = 0
        var sawTerminal = false
        for i in scalars.indices {
            let c = scalars[i]
            if c == "\n" {
                if start < i { out.append(start..<i) }
                start = i + 1
                sawTerminal = false
            } else if c == "." || c == "!" || c == "?" || c == "\u{3002}" {
                sawTerminal = true
            } else if sawTerminal && (c == " " || c == "\t" || c.properties.isWhitespace) {
                if start < i { out.append(start..<i) }
                start = i + 1
                sawTerminal = false
            } else if !(c == "\"" || c == "'" || c == ")" || c == "\u{201D}" || c == "\u{2019}") {
                sawTerminal = false
            }
        }
        if start < scalars.count { out.append(start..<scalars.count) }
        return out
    }

    static func split(_ text: String) -> [String] {
        let scalars = Array(text.unicodeScalars)
        return ranges(scalars).map { String(String.UnicodeScalarView(scalars[$0])) }
    }
}
