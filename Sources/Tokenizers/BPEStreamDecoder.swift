/// Turns a stream of token ids into text deltas that never split a UTF-8 character.

public struct BPEStreamDecoder: Sendable {
    private let tokenizer: BPETokenizer
    private let renderSpecial: Bool
    private var pending: [UInt8] = []

    public init(tokenizer: BPETokenizer, renderSpecial: Bool = false) {
        self.tokenizer = tokenizer
        self.renderSpecial = renderSpecial
    }

    /// Adds a token and returns the text that is now complete (possibly empty).
    public mutating func append(_ id: Int32) -> String {
        pending.append(contentsOf: tokenizer.pieceBytes(id, renderSpecial: renderSpecial))
        let cut = BPEStreamDecoder.completePrefixLength(pending)
        guard cut > 0 else { return "" }
        let text = String(decoding: pending[0..<cut], as: UTF8.self)
        pending.removeFirst(cut)
        return text
    }

    /// Whatever is left (an incomplete character becomes U+FFFD).
    public mutating func flush() -> String {
        defer { pending.removeAll() }
        return String(decoding: pending, as: UTF8.self)
    }

    /// Length of the longest prefix that does not end inside a (possibly still valid) multi-byte character.
    static func completePrefixLength(_ b: [UInt8]) -> Int {
        let n = b.count
        var i = n - 1
        var back = 0
        while i >= 0 && back < 4 && (b[i] & 0xC0) == 0x80 { i -= 1; back += 1 }
        guard i >= 0 else { return back >= 4 ? n : 0 }
        let lead = b[i]
        let need: Int
        if lead < 0x80 { need = 1 } else if lead & 0xE0 == 0xC0 { need = 2 } else if lead & 0xF0 == 0xE0 { need = 3 } else if lead & 0xF8 == 0xF0 { need = 4 } else { need = 1 }
        return (n - i) < need ? i : n
    }
}
