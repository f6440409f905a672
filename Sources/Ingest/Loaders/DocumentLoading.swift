/// The loaders' one entry point for the pipeline: detect the format, pick the loader, load, collect problems.
import RAGCore

/// What loading one file produced.
public struct LoadResult: Sendable {
    public var format: DocumentFormat
    /// One document for every format except JSONL (one per good line). A document may have zero blocks (an HTML
    /// page that is all navigation): that is not an error.
    public var documents: [Document]
    /// Problems that did not stop the file: JSONL bad lines (each with its line number). Report each once.
    public var problems: [RAGError]
    /// Pages read (PDF) and archive entries read (office and e-book formats), for the progress line.
    public var pages = 0
    public var entries = 0

    public init(format: DocumentFormat, documents: [Document], problems: [RAGError] = []) {
        self.format = format
        self.documents = documents
        self.problems = problems
    }
}

/// The loader for each format.
public struct LoaderRegistry: Sendable {
    public static let standard = LoaderRegistry()

    public init() {}

    public func loader(for format: DocumentFormat) -> any DocumentLoader {
        switch format {
        case .html, .xhtml: HTMLLoader()
        case .xml: XMLLoader()
        case .markdown: MarkdownLoader()
        case .text: TextLoader()
        case .jsonl: JSONLLoader()
        case .pdf: PDFLoader()
        case .docx, .pptx, .xlsx, .odt, .odp, .ods, .epub: OfficeLoader(format: format)
        }
    }
}

public enum DocumentLoading {
    /// Reads and loads the file at `path` (see `FileReader.read` for the read errors: not found, unreadable,
    /// symlink loop, directory, too large).
    public static func load(path: String) throws -> LoadResult {
        try load(path: path, bytes: FileReader.read(path: path))
    }

    /// Loads one file's bytes: format by extension, else by content (`FormatDetector.detect`), then that format's
    /// loader. Invalid UTF-8 is repaired with U+FFFD, never fatal.
    ///
    /// - Throws: `RAGError` for a file that yields nothing: `.emptyFile` (zero bytes or only whitespace),
    ///   `.binaryFile`, `.unsupportedFormat`, `.parseError` (XML not well-formed, entity loop, too deep),
    ///   `.tooLarge`. The message names the file (and line where known).
    public static func load(path: String, bytes: [UInt8]) throws -> LoadResult {
        let format = try FormatDetector.detect(path: path, bytes: bytes)
        return try load(path: path, bytes: bytes, format: format)
    }

    /// Loads with a known format (the empty and binary checks still apply).
    public static func load(path: String, bytes: [UInt8], format: DocumentFormat) throws -> LoadResult {
        if !format.isBinaryContainer { try FormatDetector.checkText(path: path, bytes: bytes) }
        switch format {
        case .html, .xhtml:
            return LoadResult(format: format, documents: [try HTMLLoader().loadDocument(path: path, bytes: bytes, format: format)])
        case .xml:
            return LoadResult(format: format, documents: [try XMLLoader().loadDocument(path: path, bytes: bytes)])
        case .markdown:
            return LoadResult(format: format, documents: [MarkdownLoader().loadDocument(path: path, text: UTF8Repair.string(from: bytes))])
        case .text:
            return LoadResult(format: format, documents: [TextLoader().loadDocument(path: path, text: UTF8Repair.string(from: bytes))])
        case .jsonl:
            return JSONLLoader().loadResult(path: path, bytes: bytes)
        case .pdf:
            return try PDFLoader().loadResult(path: path, bytes: bytes)
        case .docx, .pptx, .xlsx, .odt, .odp, .ods, .epub:
            return try OfficeLoader(format: format).loadResult(path: path, bytes: bytes)
        }
    }
}
