/// Collects blocks from strings for the PDF and office loaders, with ranges in the text the blocks form when joined by blank lines.
import RAGCore

/// Like `BlockAccumulator` for loaders that produce whole strings: whitespace runs are collapsed to one space,
/// empty blocks are dropped, and `Block.range` indexes the extracted text (blocks joined by "\n\n").
struct BlockList {
    private(set) var blocks: [Block] = []
    private var offset = 0

    mutating func append(_ kind: Block.Kind, _ text: String) {
        let clean = Self.collapse(text)
        guard !clean.isEmpty else { return }
        let scalars = clean.unicodeScalars.count
        blocks.append(Block(kind: kind, text: clean, range: offset..<(offset + scalars)))
        offset += scalars + 2
    }

    /// Appends another document's blocks (an EPUB chapter), re-based into this text.
    mutating func append(contentsOf other: [Block]) {
        for b in other { append(b.kind, b.text) }
    }

    /// Collapses whitespace (including U+00A0) to single spaces and trims the ends.
    static func collapse(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        for s in text.unicodeScalars {
            if s.properties.isWhitespace || s == "\u{00A0}" {
                pendingSpace = !out.isEmpty
                continue
            }
            if pendingSpace { out.append(" "); pendingSpace = false }
            out.append(s)
        }
        return String(out)
    }
}
