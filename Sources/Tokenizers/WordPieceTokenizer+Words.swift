/// Word-aligned tokenization: the pre-tokenizer's words with their places in the text, and each word's pieces.
extension WordPieceTokenizer {
    /// One pre-tokenizer word: Unicode-scalar offsets `start..<end` in the text, and its WordPiece ids (empty
    /// when the word normalizes to nothing, e.g. a lone control character).
    public struct Word: Sendable, Equatable {
        public var start: Int
        public var end: Int
        public var ids: [Int32]
    }

    /// The text split as BERT's pre-tokenizer splits it (whitespace; every punctuation character and CJK
    /// ideograph a word of its own), each word tokenized alone. The concatenated ids equal `tokenIDs(text)`.
    /// Scalars are visited once; `maxWords` bounds the work on huge inputs.
    public func words(_ text: String, maxWords: Int = 100_000) -> [Word] {
        var out: [Word] = []
        var current = String.UnicodeScalarView()
        var start = 0
        var position = 0
        func flush() {
            if !current.isEmpty {
                let ids = tokenIDs(String(current))
                if !ids.isEmpty { out.append(Word(start: start, end: position, ids: ids)) }
                current.removeAll()
            }
        }
        for s in text.unicodeScalars {
            if out.count >= maxWords { break }
            if ScalarNormalizer.isWhitespace(s) {
                flush()
            } else if ScalarNormalizer.isPunctuation(s) || (configuration.splitCJK && ScalarNormalizer.isCJK(s)) {
                flush()
                let ids = tokenIDs(String(s))
                if !ids.isEmpty { out.append(Word(start: position, end: position + 1, ids: ids)) }
            } else {
                if current.isEmpty { start = position }
                current.append(s)
            }
            position += 1
        }
        if out.count < maxWords { flush() }
        return out
    }
}
