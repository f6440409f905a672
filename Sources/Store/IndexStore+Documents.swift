/// Documents as wholes: listing them (with paging) and reading one back chunk by chunk, for MCP's
/// `list_documents`, `get_document` and `rag://doc/<id>` resources.
import Foundation

public struct DocumentSummary: Sendable, Codable, Equatable {
    public var id: Int64
    public var path: String
    public var title: String?
    public var format: String
    public var chunks: Int
}

public struct DocumentChunk: Sendable, Codable, Equatable {
    public var chunkId: Int64
    public var ordinal: Int
    public var headingPath: String
    public var text: String
}

extension IndexStore {
    /// Documents whose path matches `pathGlob` (SQLite GLOB: `*`, `?`, `[…]`; nil for all) and, when given, of
    /// `format`, by path; `total` counts every match.
    public func documents(pathGlob: String?, format: String?, offset: Int, limit: Int) throws -> (total: Int, items: [DocumentSummary]) {
        let filter = "WHERE (?1 IS NULL OR d.path GLOB ?1) AND (?2 IS NULL OR d.format = ?2)"
        let bindings: [SQLValue] = [pathGlob.map { .text($0) } ?? .null, format.map { .text($0) } ?? .null]
        let total = Int(try db.scalarInt("SELECT count(*) FROM documents d \(filter)", bindings) ?? 0)
        let stmt = try db.prepare("""
            SELECT d.id, d.path, d.title, d.format, (SELECT count(*) FROM chunks c WHERE c.document_id = d.id)
            FROM documents d \(filter) ORDER BY d.path LIMIT ?3 OFFSET ?4
            """)
        try stmt.bind(bindings + [.int(Int64(limit)), .int(Int64(offset))])
        var items: [DocumentSummary] = []
        while try stmt.step() {
            items.append(DocumentSummary(id: stmt.int(0), path: stmt.text(1), title: stmt.optionalText(2), format: stmt.text(3),
                                         chunks: Int(stmt.int(4))))
        }
        return (total, items)
    }

    /// One document by id, by path, or by one of its chunks.
    public func document(id: Int64? = nil, path: String? = nil, chunkID: Int64? = nil) throws -> DocumentSummary? {
        let condition: String
        let value: SQLValue
        if let id { (condition, value) = ("d.id = ?", .int(id)) }
        else if let path { (condition, value) = ("d.path = ?", .text(path)) }
        else if let chunkID { (condition, value) = ("d.id = (SELECT document_id FROM chunks WHERE id = ?)", .int(chunkID)) }
        else { return nil }
        let stmt = try db.prepare("""
            SELECT d.id, d.path, d.title, d.format, (SELECT count(*) FROM chunks c WHERE c.document_id = d.id)
            FROM documents d WHERE \(condition)
            """)
        try stmt.bind([value])
        guard try stmt.step() else { return nil }
        return DocumentSummary(id: stmt.int(0), path: stmt.text(1), title: stmt.optionalText(2), format: stmt.text(3), chunks: Int(stmt.int(4)))
    }

    /// A document's chunks in order, `limit` of them from the `offset`-th.
    public func documentChunks(documentID: Int64, offset: Int, limit: Int) throws -> [DocumentChunk] {
        let stmt = try db.prepare("""
            SELECT id, ordinal, heading_path, text FROM chunks WHERE document_id = ? ORDER BY ordinal LIMIT ? OFFSET ?
            """)
        try stmt.bind([.int(documentID), .int(Int64(limit)), .int(Int64(offset))])
        var out: [DocumentChunk] = []
        while try stmt.step() {
            out.append(DocumentChunk(chunkId: stmt.int(0), ordinal: Int(stmt.int(1)), headingPath: stmt.text(2), text: stmt.text(3)))
        }
        return out
    }
}
