/// The Store module's error: what failed, on which index file, and the SQL that failed.
import RAGCore

public struct StoreError: RAGErrorConvertible {
    public let code: String
    public let message: String
    /// The statement SQLite was running, when the error came from SQLite.
    public let sql: String?
    /// SQLite's extended result code, when the error came from SQLite.
    public let sqliteCode: Int32?

    public init(code: String, message: String, sql: String? = nil, sqliteCode: Int32? = nil) {
        self.code = code
        self.message = message
        self.sql = sql
        self.sqliteCode = sqliteCode
    }

    public var description: String {
        if let sql { return "\(message) (SQL: \(sql))" }
        return message
    }
}
