/// The one error type of every module: a typed code (which knows its HTTP status and CLI exit code), a message
/// naming the file/field/value at fault, the underlying cause, and where known the file/line or the SQL that failed.
public struct RAGError: Error, CustomStringConvertible, Sendable {
    public let code: Code
    /// A sentence for a person: which file or field, and what is wrong with it.
    public let message: String
    public let underlying: (any Error)?
    /// The file at fault, where one is (ingest problems; for JSONL problems the corpus file).
    public let path: String?
    /// 1-based line in `path`, where the parser knows it.
    public let line: Int?
    /// What is wrong, without the path and line (the whole message for errors not about a file).
    public let reason: String
    /// The statement SQLite was running, when the error came from SQLite (as GRDB's `DatabaseError`).
    public let sql: String?
    /// SQLite's extended result code, when the error came from SQLite.
    public let sqliteCode: Int32?

    public init(_ code: Code, _ message: String, underlying: (any Error)? = nil, sql: String? = nil, sqliteCode: Int32? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
        self.path = nil
        self.line = nil
        self.reason = message
        self.sql = sql
        self.sqliteCode = sqliteCode
    }

    /// A problem with one file: the message reads "path:line: reason" so the CLI can print it as is.
    public init(_ code: Code, path: String, line: Int? = nil, reason: String, underlying: (any Error)? = nil) {
        self.code = code
        self.message = "\(line.map { "\(path):\($0)" } ?? path): \(reason)"
        self.underlying = underlying
        self.path = path
        self.line = line
        self.reason = reason
        self.sql = nil
        self.sqliteCode = nil
    }

    /// A parameter (flag, JSON field or setting) out of range: code `invalid_parameter`, the message names the field.
    public static func invalidParameter(_ field: String, _ problem: String) -> RAGError {
        RAGError(.invalidParameter, "\(field): \(problem)")
    }

    public var description: String {
        if let sql { return "\(message) (SQL: \(sql))" }
        return message
    }
}
