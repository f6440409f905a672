/// A loaded document: the structured blocks a loader found, before chunking.

/// The formats `rag ingest` reads.
public enum DocumentFormat: String, Sendable, Codable, CaseIterable {
    case html, xhtml, xml, markdown, text, jsonl
    /// PDF (through poppler) and the zip-of-XML office and e-book formats.
    case pdf, docx, pptx, xlsx, odt, odp, ods, epub
}

/// One structural unit of a document.
public struct Block: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// A heading; level 1 is the outermost.
        case heading(level: Int)
        case paragraph
        case code
        case listItem
        case tableRow
    }

    public var kind: Kind
    public var text: String
    /// Offsets of this block in the document's text, in Unicode scalars: into the source file for text, Markdown
    /// and JSONL; into the extracted text (blocks joined by blank lines) for HTML and XML, whose markup has no
    /// character positions after parsing.
    public var range: Range<Int>

    public init(kind: Kind, text: String, range: Range<Int>) {
        self.kind = kind
        self.text = text
        self.range = range
    }
}

public struct Document: Sendable {
    /// The path as it was ingested (for JSONL corpora `file.jsonl#<_id>`).
    public var path: String
    /// An id the source gives the document (BEIR `_id`), kept for evaluation run files.
    public var externalID: String?
    public var title: String?
    public var format: DocumentFormat
    public var blocks: [Block]

    public init(path: String, externalID: String? = nil, title: String?, format: DocumentFormat, blocks: [Block]) {
        self.path = path
        self.externalID = externalID
        self.title = title
        self.format = format
        self.blocks = blocks
    }
}

/// A piece of a document sized for the encoder, with the headings above it.
public struct Chunk: Sendable, Equatable {
    public var ordinal: Int
    public var headingPath: [String]
    public var text: String
    public var tokenCount: Int
    /// Offsets in Unicode scalars; see `Block.range`.
    public var charStart: Int
    public var charEnd: Int

    public init(ordinal: Int, headingPath: [String], text: String, tokenCount: Int, charStart: Int, charEnd: Int) {
        self.ordinal = ordinal
        self.headingPath = headingPath
        self.text = text
        self.tokenCount = tokenCount
        self.charStart = charStart
        self.charEnd = charEnd
    }

    /// "Guide > Install > Linux".
    public var headingPathText: String { headingPath.joined(separator: " > ") }
}
