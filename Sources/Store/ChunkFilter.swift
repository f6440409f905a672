/// `--filter` conditions on chunks (path glob, format, heading text, ingest date), as SQL the keyword search adds to
/// its query and the vector scans turn into a set of admitted rows.
import RAGCore
import Foundation

public struct ChunkFilter: Sendable, Equatable {
    /// SQLite GLOB on the document path (`*`, `?`, `[...]`).
    public var pathGlobs: [String] = []
    public var formats: [String] = []
    /// Case-insensitive substring of the chunk's heading path.
    public var headings: [String] = []
    /// Unix seconds; the file was ingested at or after / before this time.
    public var ingestedAfter: Double?
    public var ingestedBefore: Double?

    public init() {}

    /// Parses `key:value` terms: `path:GLOB`, `format:NAME`, `heading:TEXT`, `after:DATE`, `before:DATE` (DATE is
    /// YYYY-MM-DD or an ISO 8601 time). Terms of one key are ORed, different keys ANDed.
    public init(parsing terms: [String]) throws {
        for term in terms {
            guard let colon = term.firstIndex(of: ":") else {
                throw RAGError(.invalidFilter, "filter \"\(term)\" is not key:value (keys: path, format, heading, after, before)")
            }
            let key = term[..<colon].lowercased(), value = String(term[term.index(after: colon)...])
            guard !value.isEmpty else { throw RAGError(.invalidFilter, "filter \"\(term)\" has an empty value") }
            switch key {
            case "path": pathGlobs.append(value)
            case "format":
                let f = value.lowercased() == "md" ? "markdown" : (value.lowercased() == "txt" ? "text" : value.lowercased())
                formats.append(f)
            case "heading": headings.append(value)
            case "after", "since": ingestedAfter = try Self.date(value, term: term)
            case "before", "until": ingestedBefore = try Self.date(value, term: term)
            default:
                throw RAGError(.invalidFilter, "filter \"\(term)\": unknown key \(key) (keys: path, format, heading, after, before)")
            }
        }
    }

    static func date(_ s: String, term: String) throws -> Double {
        let iso = ISO8601DateFormatter()
        if let d = iso.date(from: s) { return d.timeIntervalSince1970 }
        let day = DateFormatter()
        day.locale = Locale(identifier: "en_US_POSIX")
        day.timeZone = TimeZone(identifier: "UTC")
        day.dateFormat = "yyyy-MM-dd"
        if let d = day.date(from: s) { return d.timeIntervalSince1970 }
        throw RAGError(.invalidFilter, "filter \"\(term)\": \(s) is not a date (YYYY-MM-DD or ISO 8601)")
    }

    public var isEmpty: Bool {
        pathGlobs.isEmpty && formats.isEmpty && headings.isEmpty && ingestedAfter == nil && ingestedBefore == nil
    }

    /// A condition over `c` (chunks), `d` (documents) and `f` (files), with its bindings.
    public var sql: (String, [SQLValue]) {
        var parts: [String] = []
        var values: [SQLValue] = []
        if !pathGlobs.isEmpty {
            parts.append("(" + pathGlobs.map { _ in "d.path GLOB ?" }.joined(separator: " OR ") + ")")
            values += pathGlobs.map { .text($0) }
        }
        if !formats.isEmpty {
            parts.append("(" + formats.map { _ in "d.format = ?" }.joined(separator: " OR ") + ")")
            values += formats.map { .text($0) }
        }
        if !headings.isEmpty {
            parts.append("(" + headings.map { _ in "instr(lower(c.heading_path), lower(?)) > 0" }.joined(separator: " OR ") + ")")
            values += headings.map { .text($0) }
        }
        if let a = ingestedAfter { parts.append("f.ingested_at >= ?"); values.append(.double(a)) }
        if let b = ingestedBefore { parts.append("f.ingested_at < ?"); values.append(.double(b)) }
        return (parts.isEmpty ? "1" : parts.joined(separator: " AND "), values)
    }
}

extension IndexStore {
    /// Ids of the chunks `filter` admits, ascending.
    public func chunkIDs(matching filter: ChunkFilter) throws -> [Int64] {
        let (cond, values) = filter.sql
        let stmt = try db.prepare("""
            SELECT c.id FROM chunks c JOIN documents d ON d.id = c.document_id JOIN files f ON f.id = d.file_id
            WHERE \(cond) ORDER BY c.id
            """)
        try stmt.bind(values)
        var out: [Int64] = []
        while try stmt.step() { out.append(stmt.int(0)) }
        return out
    }

    /// The rows of `matrix` whose chunks `filter` admits.
    public func rowSet(matching filter: ChunkFilter, in matrix: VectorMatrix) throws -> RowSet {
        var set = RowSet(capacity: matrix.count)
        for id in try chunkIDs(matching: filter) { if let r = matrix.row(forID: id) { set.insert(r) } }
        return set
    }

    /// Full hits (path, heading, text) for chunk ids, keyed by id; a snippet is the start of the text.
    public func chunkHits(_ ids: [Int64]) throws -> [Int64: SearchHit] {
        var out: [Int64: SearchHit] = [:]
        let stmt = try db.prepare("""
            SELECT c.id, c.document_id, d.path, d.external_id, c.heading_path, c.text
            FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.id = ?
            """)
        for id in ids where out[id] == nil {
            stmt.reset()
            try stmt.bind([.int(id)])
            guard try stmt.step() else { continue }
            let text = stmt.text(5)
            let snippet = text.count > 240 ? String(text.prefix(240)) + "…" : text
            out[id] = SearchHit(rank: 0, score: 0, chunkID: id, documentID: stmt.int(1), path: stmt.text(2),
                                externalID: stmt.optionalText(3), headingPath: stmt.text(4), text: text, snippet: snippet)
        }
        return out
    }

    /// The evaluation key of every chunk's document: its external id (BEIR `_id`) when it has one, else its path.
    public func chunkDocumentKeys() throws -> [Int64: String] {
        let stmt = try db.prepare("SELECT c.id, coalesce(d.external_id, d.path) FROM chunks c JOIN documents d ON d.id = c.document_id")
        var out: [Int64: String] = [:]
        while try stmt.step() { out[stmt.int(0)] = stmt.text(1) }
        return out
    }
}
