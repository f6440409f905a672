/// The one error type of the Ingest module: what went wrong with which file, with a stable code and the cause.
import RAGCore

/// An ingestion failure for one file (or one line of a JSONL corpus).
///
/// `message` always names the file, and the line where one is known, so the CLI can print it as is.
public struct IngestError: RAGErrorConvertible {
    /// Stable machine codes; `code` is the raw value.
    public enum Kind: String, Sendable, CaseIterable {
        /// Zero bytes, or nothing but whitespace and a byte-order mark.
        case emptyFile = "empty_file"
        /// NUL bytes or mostly control bytes in the first 8 KB (an image named `.html`, say).
        case binaryFile = "binary_file"
        /// The extension is unknown and the content does not look like a supported format.
        case unsupportedFormat = "unsupported_format"
        /// The parser refused the file (malformed XML, an entity loop, nesting deeper than libxml2 allows).
        case parseError = "parse_error"
        /// One line of a JSONL corpus is not a valid `{"_id","title","text"}` object; the other lines still load.
        case badLine = "bad_line"
        /// The file is larger than a loader can take (libxml2 takes at most 2 GiB).
        case tooLarge = "too_large"
        /// The path does not exist (for the pipeline's use).
        case notFound = "not_found"
        /// The file exists but cannot be read (an I/O error, not a regular file).
        case unreadable = "unreadable"
        /// The process may not read the file or folder.
        case permissionDenied = "permission_denied"
        /// A symbolic link that points back at itself or a folder above it.
        case symlinkLoop = "symlink_loop"
        /// A PDF or office document protected by a password (none is asked for).
        case encrypted = "encrypted"
        /// A PDF whose pages carry no text (a scan without OCR).
        case noTextLayer = "no_text_layer"
        /// A zip-based document refused before extraction finished: a zip bomb (size or ratio limit), an entry
        /// path with `..` or a leading `/`, or a broken archive.
        case unsafeArchive = "unsafe_archive"
        /// An ingest setting (chunk size, overlap) is out of range; `path` names the setting.
        case invalidParameter = "invalid_parameter"
    }

    public let kind: Kind
    /// The file at fault (for JSONL problems the corpus file, not `file#id`).
    public let path: String
    /// 1-based line, where the parser or the JSONL reader knows it.
    public let line: Int?
    /// What is wrong, without the path (see `message` for the full sentence).
    public let reason: String
    public let underlying: (any Error)?

    public init(_ kind: Kind, path: String, line: Int? = nil, reason: String, underlying: (any Error)? = nil) {
        self.kind = kind
        self.path = path
        self.line = line
        self.reason = reason
        self.underlying = underlying
    }

    public var code: String { kind.rawValue }

    static func invalidParameter(_ setting: String, _ reason: String) -> IngestError {
        IngestError(.invalidParameter, path: setting, reason: reason)
    }

    /// "docs/a.xml:12: parse error: Detected an entity reference loop".
    public var message: String {
        let location = line.map { "\(path):\($0)" } ?? path
        return "\(location): \(reason)"
    }
}
