/// Splits a document into encoder-sized chunks that follow its structure and carry their heading path.
import RAGCore

/// Chunk sizes, in WordPiece tokens of the encoder.
///
/// The encoder (all-MiniLM-L6-v2) reads at most 256 tokens, two of them [CLS]/[SEP]; text past that is cut and
/// never reaches the vector. A chunk is embedded with its heading path in front (typically 5–25 tokens), so
/// 200 tokens of text keeps every chunk whole inside the window with room for long heading paths, while staying
/// large enough that a chunk holds a full paragraph or two of context. An overlap of 32 tokens (about one
/// sentence) keeps a fact that straddles a boundary retrievable from both sides.
public struct ChunkerConfig: Sendable, Equatable {
    public var maxTokens: Int
    public var overlapTokens: Int
    /// A section with fewer tokens than this joins the subsection that follows it instead of standing alone.
    public var minSectionTokens: Int

    public init(maxTokens: Int = 200, overlapTokens: Int = 32, minSectionTokens: Int = 24) throws {
        guard maxTokens >= 16 else { throw RAGError.invalidParameter("chunk tokens", "must be at least 16, got \(maxTokens)") }
        guard overlapTokens >= 0, overlapTokens < maxTokens / 2 else {
            throw RAGError.invalidParameter("chunk overlap", "must be between 0 and half the chunk size (\(maxTokens / 2)), got \(overlapTokens)")
        }
        guard minSectionTokens >= 0 else { throw RAGError.invalidParameter("minimum section tokens", "must not be negative") }
        self.maxTokens = maxTokens
        self.overlapTokens = overlapTokens
        self.minSectionTokens = minSectionTokens
    }

    public static let `default` = try! ChunkerConfig()
}

public struct Chunker: Sendable {
    public let config: ChunkerConfig
    public let counter: any TokenCounter

    public init(config: ChunkerConfig = .default, counter: any TokenCounter) {
        self.config = config
        self.counter = counter
    }

    /// The longest word WordPiece reads (its `max_input_chars_per_word`); a longer one is a single `[UNK]`, so token
    /// counts alone would let a 2 MB run of letters through as one 1-token unit. Longer words are cut at this length.
    static let maxWordCharacters = 100
    /// Characters allowed per token of budget: a chunk never holds more than `maxTokens × 16` characters, whatever
    /// its token count (English WordPiece averages 4–5 characters a token).
    static let charactersPerToken = 16
    var maxCharacters: Int { config.maxTokens * Chunker.charactersPerToken }

    /// A piece of text that is never split further unless it alone exceeds the budget.
    struct Unit {
        var text: String
        var tokens: Int
        var range: Range<Int>
        /// How this unit joins the one before it inside a chunk.
        var separator: String
    }

    struct Section {
        var path: [String]
        var units: [Unit]
        var tokens: Int { units.reduce(0) { $0 + $1.tokens } }
    }

    public func chunk(_ document: Document) -> [Chunk] {
        let sections = mergeTinySections(sections(of: document))
        var chunks: [Chunk] = []
        for section in sections where !section.units.isEmpty {
            pack(section, into: &chunks)
        }
        return chunks
    }

    // MARK: sections

    func sections(of document: Document) -> [Section] {
        var stack: [(level: Int, title: String)] = []
        var sections: [Section] = [Section(path: [], units: [])]
        var previousKind: Block.Kind?
        for block in document.blocks {
            if case .heading(let level) = block.kind {
                let title = block.text.trimmingWhitespace()
                guard !title.isEmpty else { continue }
                while let last = stack.last, last.level >= level { stack.removeLast() }
                stack.append((level, title))
                sections.append(Section(path: stack.map(\.title), units: []))
                previousKind = block.kind
                continue
            }
            let separator: String
            switch (previousKind, block.kind) {
            case (.listItem?, .listItem), (.tableRow?, .tableRow): separator = "\n"
            default: separator = "\n\n"
            }
            var units = self.units(of: block)
            if !units.isEmpty {
                units[0].separator = separator
                sections[sections.count - 1].units.append(contentsOf: units)
            }
            previousKind = block.kind
        }
        return sections
    }

    /// A parent section too small to stand alone (often just a heading over its subsections) is folded into the
    /// subsection after it; the child's heading path already names the parent, so no context is lost.
    func mergeTinySections(_ sections: [Section]) -> [Section] {
        var out: [Section] = []
        var carry: Section?
        for var section in sections {
            if let c = carry {
                let isDescendant = section.path.count > c.path.count && Array(section.path.prefix(c.path.count)) == c.path
                if isDescendant {
                    if !c.units.isEmpty {
                        var lead = c.units
                        if let title = c.path.last {
                            let headingTokens = counter.tokenCount(title)
                            lead.insert(Unit(text: title, tokens: headingTokens, range: lead[0].range.lowerBound..<lead[0].range.lowerBound, separator: "\n\n"), at: 0)
                        }
                        if !section.units.isEmpty { section.units[0].separator = "\n\n" }
                        section.units = lead + section.units
                    }
                } else {
                    out.append(c)
                }
                carry = nil
            }
            if section.tokens < config.minSectionTokens {
                carry = section
            } else {
                out.append(section)
            }
        }
        if let c = carry { out.append(c) }
        return out
    }

    // MARK: units

    func units(of block: Block) -> [Unit] {
        let text = block.text
        guard !text.isEmpty else { return [] }
        let tokens = counter.tokenCount(text)
        if tokens == 0 && text.allSatisfy({ $0.isWhitespace }) { return [] }
        if tokens <= config.maxTokens && text.unicodeScalars.count <= maxCharacters {
            return [Unit(text: text, tokens: tokens, range: block.range, separator: "\n\n")]
        }
        // Too big for one chunk: code and tables split at lines, prose at sentences, and anything still too big
        // at words.
        let scalars = Array(text.unicodeScalars)
        let pieces: [Range<Int>]
        let joiner: String
        switch block.kind {
        case .code, .tableRow:
            var lines: [Range<Int>] = []
            var s = 0
            for i in scalars.indices where scalars[i] == "\n" { lines.append(s..<i); s = i + 1 }
            lines.append(s..<scalars.count)
            pieces = lines
            joiner = "\n"
        default:
            pieces = Sentences.ranges(scalars)
            joiner = " "
        }
        var out: [Unit] = []
        for piece in pieces {
            let pieceText = String(String.UnicodeScalarView(scalars[piece]))
            let n = counter.tokenCount(pieceText)
            let range = offsetRange(block.range, scalars.count, piece.lowerBound, piece.count)
            if n <= config.maxTokens && piece.count <= maxCharacters {
                if pieceText.isEmpty && joiner == " " { continue }
                out.append(Unit(text: pieceText, tokens: n, range: range, separator: joiner))
            } else {
                out.append(contentsOf: wordWindows(pieceText, range: range))
            }
        }
        return out
    }

    /// Maps an offset inside a block's text onto the block's source range (exact when the loader kept the text
    /// verbatim, proportional when it normalised markup).
    func offsetRange(_ blockRange: Range<Int>, _ textLength: Int, _ start: Int, _ length: Int) -> Range<Int> {
        let span = blockRange.count
        if span == textLength {
            return (blockRange.lowerBound + start)..<(blockRange.lowerBound + start + length)
        }
        let lo = blockRange.lowerBound + start * span / textLength
        let hi = blockRange.lowerBound + min(span, (start + length) * span / textLength)
        return lo..<max(lo, hi)
    }

    /// Splits an over-long run of text into word windows within the token and character budgets.
    func wordWindows(_ text: String, range: Range<Int>) -> [Unit] {
        var out: [Unit] = []
        var current: [Substring] = []
        var currentTokens = 0
        var currentCharacters = 0
        func flush() {
            guard !current.isEmpty else { return }
            out.append(Unit(text: current.joined(separator: " "), tokens: currentTokens, range: range, separator: " "))
            current = []
            currentTokens = 0
            currentCharacters = 0
        }
        for word in text.split(whereSeparator: { $0.isWhitespace }) {
            // A "word" longer than WordPiece reads (a base64 blob, a run of letters) is cut into pieces it reads.
            var rest = word[...]
            while !rest.isEmpty {
                let w = rest.prefix(Chunker.maxWordCharacters)
                rest = rest.dropFirst(w.count)
                let n = counter.tokenCount(String(w))
                if currentTokens + n > config.maxTokens || currentCharacters + w.count + 1 > maxCharacters { flush() }
                current.append(w)
                currentTokens += n
                currentCharacters += w.count + 1
            }
        }
        flush()
        return out
    }

    // MARK: packing

    func pack(_ section: Section, into chunks: inout [Chunk]) {
        var current: [Unit] = []
        var tokens = 0
        var characters = 0
        func emit() {
            guard !current.isEmpty else { return }
            var text = ""
            for (i, u) in current.enumerated() {
                if i > 0 { text += u.separator }
                text += u.text
            }
            chunks.append(Chunk(
                ordinal: chunks.count, headingPath: section.path, text: text, tokenCount: tokens,
                charStart: current.map(\.range.lowerBound).min() ?? 0,
                charEnd: current.map(\.range.upperBound).max() ?? 0))
        }
        for unit in section.units {
            let unitCharacters = unit.text.unicodeScalars.count + unit.separator.unicodeScalars.count
            if (tokens + unit.tokens > config.maxTokens || characters + unitCharacters > maxCharacters) && !current.isEmpty {
                emit()
                // Start the next chunk with the trailing units of this one that fit in the overlap.
                var overlap: [Unit] = []
                var overlapTokens = 0
                for u in current.reversed() {
                    if overlapTokens + u.tokens > config.overlapTokens || overlapTokens + u.tokens + unit.tokens > config.maxTokens { break }
                    overlap.insert(u, at: 0)
                    overlapTokens += u.tokens
                }
                current = overlap
                tokens = overlapTokens
                characters = overlap.reduce(0) { $0 + $1.text.unicodeScalars.count + $1.separator.unicodeScalars.count }
                if characters + unitCharacters > maxCharacters { current = []; tokens = 0; characters = 0 }
            }
            current.append(unit)
            tokens += unit.tokens
            characters += unitCharacters
        }
        emit()
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
