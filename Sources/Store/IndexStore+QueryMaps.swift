/// Learned query-side maps kept in the index (`query_maps`, schema 6): the query adapter and the distilled query
/// encoder's linear map, each with the encoder id (`meta.embedding_model`) it was fitted for.
import Foundation
import RAGCore

/// One stored map: `y = x · matrix (+ bias)`, x of `rows` values, y of `cols`.
public struct StoredQueryMap: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable { case adapter, distilled }
    public var kind: Kind
    /// The encoder (`meta.embedding_model` form) whose vectors the map was fitted on.
    public var encoder: String
    /// Distilled query encoder: the encoder layers it runs.
    public var layers: Int?
    public var rows: Int
    public var cols: Int
    /// rows × cols, row-major.
    public var matrix: [Float]
    public var bias: [Float]?
    /// The fit's report as JSON (what it was trained on, its validation figures).
    public var info: String
    public var createdAt: Double

    public init(kind: Kind, encoder: String, layers: Int? = nil, rows: Int, cols: Int, matrix: [Float], bias: [Float]? = nil,
                info: String = "{}", createdAt: Double = Date().timeIntervalSince1970) {
        self.kind = kind
        self.encoder = encoder
        self.layers = layers
        self.rows = rows
        self.cols = cols
        self.matrix = matrix
        self.bias = bias
        self.info = info
        self.createdAt = createdAt
    }
}

extension IndexStore {
    /// The stored map of `kind`, or nil (none stored, or an older index opened read-only, which has no table).
    public func queryMap(_ kind: StoredQueryMap.Kind) throws -> StoredQueryMap? {
        guard schemaVersion >= 7 else { return nil }
        let stmt = try db.prepare("SELECT encoder, layers, rows, cols, matrix, bias, info, created_at FROM query_maps WHERE kind = ?")
        try stmt.bind([.text(kind.rawValue)])
        guard try stmt.step() else { return nil }
        let rows = Int(stmt.int(2)), cols = Int(stmt.int(3))
        let matrix = VectorBlob.decode(stmt.blob(4))
        let bias = stmt.isNull(5) ? nil : VectorBlob.decode(stmt.blob(5))
        guard rows > 0, cols > 0, matrix.count == rows * cols, bias.map({ $0.count == cols }) ?? true,
              matrix.allSatisfy(\.isFinite) else {
            throw RAGError(.corruptIndex, "index \(path): the stored \(kind.rawValue) query map is malformed (\(rows)×\(cols), \(matrix.count) values): run `rag index \(kind == .adapter ? "adapt" : "distill") --remove`")
        }
        return StoredQueryMap(kind: kind, encoder: stmt.text(0), layers: stmt.isNull(1) ? nil : Int(stmt.int(1)), rows: rows,
                              cols: cols, matrix: matrix, bias: bias, info: stmt.text(6), createdAt: stmt.double(7))
    }

    /// Stores `map`, replacing the one of its kind.
    public func setQueryMap(_ map: StoredQueryMap) throws {
        precondition(map.matrix.count == map.rows * map.cols, "query map shape")
        try db.prepare("""
            INSERT OR REPLACE INTO query_maps(kind, encoder, layers, rows, cols, matrix, bias, info, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).run([.text(map.kind.rawValue), .text(map.encoder), map.layers.map { .int(Int64($0)) } ?? .null,
                      .int(Int64(map.rows)), .int(Int64(map.cols)), .blob(VectorBlob.encode(map.matrix)),
                      map.bias.map { .blob(VectorBlob.encode($0)) } ?? .null, .text(map.info), .double(map.createdAt)])
    }

    /// Removes the map of `kind`; whether there was one.
    @discardableResult
    public func removeQueryMap(_ kind: StoredQueryMap.Kind) throws -> Bool {
        guard schemaVersion >= 7 else { return false }
        let had = (try db.scalarInt("SELECT count(*) FROM query_maps WHERE kind = ?", [.text(kind.rawValue)]) ?? 0) > 0
        try db.prepare("DELETE FROM query_maps WHERE kind = ?").run([.text(kind.rawValue)])
        return had
    }
}
