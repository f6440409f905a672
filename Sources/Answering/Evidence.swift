/// Evidence: the sentence of a context chunk that holds a span, located by Unicode-scalar offsets.
import RAGCore

public enum EvidenceLocator {
    /// Scalar offsets `start..<end` of the sentence of `text` around `span` (sentences end after `.`, `?` or `!`
    /// followed by white space, and at line breaks), trimmed of surrounding white space. Bounded: a sentence
    /// longer than `maxScalars` on either side of the span is cut there.
    public static func sentence(in text: String, around span: Range<Int>, maxScalars: Int = 600) -> Range<Int> {
        let s = Array(text.unicodeScalars)
        guard !s.isEmpty else { return 0..<0 }
        let lo = min(max(0, span.lowerBound), s.count), hi = min(max(lo, span.upperBound), s.count)
        func isSpace(_ c: Unicode.Scalar) -> Bool { c.properties.isWhitespace }
        func endsSentence(_ i: Int) -> Bool {  // s[i] closes a sentence
            if s[i] == "\n" { return true }
            guard s[i] == "." || s[i] == "?" || s[i] == "!" else { return false }
            return i + 1 >= s.count || isSpace(s[i + 1])
        }
        var start = lo
        while start > 0 && lo - start < maxScalars && !endsSentence(start - 1) { start -= 1 }
        var end = hi
        if end > lo && endsSentence(end - 1) && s[end - 1] != "\n" {
            // The span itself ends the sentence.
        } else {
            while end < s.count && end - hi < maxScalars && !endsSentence(end) { end += 1 }
            if end < s.count && s[end] != "\n" { end += 1 }
        }
        while start < end && isSpace(s[start]) { start += 1 }
        while end > start && isSpace(s[end - 1]) { end -= 1 }
        return start..<end
    }

    /// The scalars `range` of `text` as a string.
    public static func substring(_ text: String, _ range: Range<Int>) -> String {
        var view = String.UnicodeScalarView()
        var i = 0
        for c in text.unicodeScalars {
            if i >= range.upperBound { break }
            if i >= range.lowerBound { view.append(c) }
            i += 1
        }
        return String(view)
    }
}
