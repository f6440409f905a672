/// A thin, typed wrapper over one SQLite connection: open with pragmas, prepare, bind, step, transactions.
import RAGCore
import CSQLite
import Foundation

// SQLITE_TRANSIENT is a macro Swift cannot import: it tells SQLite to copy bound bytes before returning.
let SQLITE_TRANSIENT = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// One SQLite connection. Not thread-safe by itself: the owner serialises use (one writer per index; readers open
/// their own connections), which is why it is `@unchecked Sendable` rather than an actor on the hot path.
public final class Database: @unchecked Sendable {
    public let path: String
    let handle: OpaquePointer
    /// Prepared statements by SQL text, with the tick of their last use. Bounded: SQL that varies with its input
    /// (a filter with N clauses) would otherwise keep one statement per variant for the connection's life
    /// (1,504 filter combinations cost 39.5 MB a connection).
    private var statementCache: [String: (statement: Statement, used: UInt64)] = [:]
    private var tick: UInt64 = 0
    /// Most statements kept prepared per connection; the least recently used one is finalized beyond this.
    static let statementCacheCapacity = 64

    public enum Mode: Sendable { case readWrite, readOnly }

    public init(path: String, mode: Mode = .readWrite) throws {
        self.path = path
        var db: OpaquePointer?
        let flags = mode == .readWrite
            ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
            : SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let msg = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let db { sqlite3_close_v2(db) }
            throw RAGError(.openFailed, "cannot open index \(path): \(msg)", sqliteCode: rc)
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
        // A concurrent writer (another `rag ingest`) holds the lock for one batch at most: wait rather than fail.
        sqlite3_busy_timeout(db, 10_000)
        do {
            if mode == .readWrite { try execute("PRAGMA journal_mode=WAL") }
            try execute("PRAGMA foreign_keys=ON")
            // NORMAL is durable across process crashes in WAL mode; only an OS crash may lose the last commit.
            try execute("PRAGMA synchronous=NORMAL")
            try execute("PRAGMA temp_store=MEMORY")
            try execute("PRAGMA cache_size=-65536")
        } catch {
            sqlite3_close_v2(db)
            throw error
        }
    }

    deinit {
        statementCache.removeAll()
        sqlite3_close_v2(handle)
    }

    func error(_ rc: Int32, sql: String?) -> RAGError {
        let msg = String(cString: sqlite3_errmsg(handle))
        let code: RAGError.Code
        switch rc & 0xff {
        case SQLITE_CORRUPT, SQLITE_NOTADB: code = .corruptIndex
        case SQLITE_BUSY, SQLITE_LOCKED: code = .indexBusy
        case SQLITE_READONLY: code = .readOnly
        case SQLITE_CONSTRAINT: code = .constraint
        default: code = .sqliteError
        }
        return RAGError(code, "index \(path): \(msg)", sql: sql, sqliteCode: rc)
    }

    /// Runs one or more statements that return no rows.
    public func execute(_ sql: String) throws {
        var errmsg: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &errmsg)
        if rc != SQLITE_OK {
            let msg = errmsg.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(errmsg)
            throw RAGError(
                (rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB ? .corruptIndex : .sqliteError,
                "index \(path): \(msg)", sql: sql, sqliteCode: rc)
        }
    }

    /// A prepared statement, cached by its SQL text and reset for reuse.
    public func prepare(_ sql: String) throws -> Statement {
        tick &+= 1
        if let cached = statementCache[sql] {
            cached.statement.reset()
            statementCache[sql] = (cached.statement, tick)
            return cached.statement
        }
        let stmt = try Statement(database: self, sql: sql)
        if statementCache.count >= Self.statementCacheCapacity,
           let oldest = statementCache.min(by: { $0.value.used < $1.value.used })?.key {
            // A caller still stepping it keeps its reference; the statement is finalized when that ends.
            statementCache.removeValue(forKey: oldest)
        }
        statementCache[sql] = (stmt, tick)
        return stmt
    }

    /// Resets every cached statement, ending the read transaction that a statement stopped before its last row
    /// keeps open. A long-lived connection (the server's) calls this between requests so that it sees other
    /// processes' commits, does not hold back WAL checkpoints, and can write without SQLITE_BUSY_SNAPSHOT.
    public func resetStatements() {
        for s in statementCache.values { s.statement.reset() }
    }

    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        // A read left open by a half-stepped statement would make the write below fail at once with
        // SQLITE_BUSY_SNAPSHOT when another connection has committed since; end it first.
        resetStatements()
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
    public var changes: Int { Int(sqlite3_changes(handle)) }

    /// Statements prepared and kept on this connection (bounded by `statementCacheCapacity`).
    public var cachedStatementCount: Int { statementCache.count }

    /// The first column of the first row, or nil.
    public func scalarInt(_ sql: String, _ bindings: [SQLValue] = []) throws -> Int64? {
        let stmt = try prepare(sql)
        try stmt.bind(bindings)
        return try stmt.step() ? stmt.int(0) : nil
    }

    public func scalarText(_ sql: String, _ bindings: [SQLValue] = []) throws -> String? {
        let stmt = try prepare(sql)
        try stmt.bind(bindings)
        return try stmt.step() ? stmt.text(0) : nil
    }
}

/// A value to bind to a statement parameter.
public enum SQLValue: Sendable {
    case int(Int64)
    case double(Double)
    case text(String)
    case blob([UInt8])
    case null
}

public final class Statement {
    unowned let database: Database
    let handle: OpaquePointer
    let sql: String

    init(database: Database, sql: String) throws {
        self.database = database
        self.sql = sql
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v3(database.handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil)
        guard rc == SQLITE_OK, let stmt else { throw database.error(rc, sql: sql) }
        handle = stmt
    }

    deinit { sqlite3_finalize(handle) }

    func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    public func bind(_ values: [SQLValue]) throws {
        for (i, v) in values.enumerated() { try bind(v, at: Int32(i + 1)) }
    }

    public func bind(_ value: SQLValue, at index: Int32) throws {
        let rc: Int32
        switch value {
        case .int(let v): rc = sqlite3_bind_int64(handle, index, v)
        case .double(let v): rc = sqlite3_bind_double(handle, index, v)
        case .text(let s): rc = sqlite3_bind_text(handle, index, s, -1, SQLITE_TRANSIENT)
        case .blob(let b):
            rc = b.withUnsafeBytes { sqlite3_bind_blob(handle, index, $0.baseAddress, Int32($0.count), SQLITE_TRANSIENT) }
        case .null: rc = sqlite3_bind_null(handle, index)
        }
        if rc != SQLITE_OK { throw database.error(rc, sql: sql) }
    }

    /// Advances to the next row; false when done.
    @discardableResult
    public func step() throws -> Bool {
        let rc = sqlite3_step(handle)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        throw database.error(rc, sql: sql)
    }

    /// Runs a statement that returns no rows.
    public func run(_ values: [SQLValue] = []) throws {
        reset()
        try bind(values)
        try step()
    }

    public func int(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }
    public func double(_ column: Int32) -> Double { sqlite3_column_double(handle, column) }
    public func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }

    public func text(_ column: Int32) -> String {
        guard let p = sqlite3_column_text(handle, column) else { return "" }
        let n = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
    }

    public func optionalText(_ column: Int32) -> String? { isNull(column) ? nil : text(column) }

    public func blob(_ column: Int32) -> [UInt8] {
        let n = Int(sqlite3_column_bytes(handle, column))
        guard n > 0, let p = sqlite3_column_blob(handle, column) else { return [] }
        return Array(UnsafeRawBufferPointer(start: p, count: n))
    }
}
