/// The index file: documents, chunks and the FTS5 keyword index in one SQLite database.
import CSQLite
import Foundation
import RAGCore

/// What the store remembers of an ingested file, to skip unchanged ones.
public struct FileRecord: Sendable, Equatable {
    public var id: Int64
    public var path: String
    public var sha256: String
    public var size: Int64
    public var mtime: Double
}

/// A document and its chunks, ready to be written.
public struct PreparedDocument: Sendable {
    public var document: Document
    public var contentSHA256: String
    public var chunks: [Chunk]

    public init(document: Document, contentSHA256: String, chunks: [Chunk]) {
        self.document = document
        self.contentSHA256 = contentSHA256
        self.chunks = chunks
    }
}

public struct IndexStats: Sendable, Codable {
    public var path: String
    public var schemaVersion: Int
    public var files: Int
    public var documents: Int
    public var chunks: Int
    public var embeddings: Int
    public var tokens: Int
    public var bytesOnDisk: Int64
    public var generation: Int
    public var formats: [String: Int]
    /// The vector index `auto` plans for this index (flat below a size threshold, IVF above it when trained).
    public var vectorIndex: VectorIndexPlan?
    /// The personal data kinds ingest replaced ("email,phone"), nil when no ingest redacted anything.
    public var redaction: String?
}

/// One index database. Writers use one instance from one task at a time (SQLite has one writer per file);
/// readers open their own instance.
public final class IndexStore: @unchecked Sendable {
    public let db: Database
    public var path: String { db.path }
    /// IVF centroids for assigning vectors at insert; loaded on first use, dropped when the IVF is retrained.
    var centroidCache: CentroidCache?
    /// `PRAGMA user_version` once opened (below `Schema.version` only for an older index opened read-only).
    public private(set) var schemaVersion: Int

    /// Opens (creating if needed) the index at `path` and brings its schema up to date.
    public init(path: String, readOnly: Bool = false) throws {
        if readOnly {
            guard FileManager.default.fileExists(atPath: path) else {
                throw RAGError(.indexNotFound, "no index at \(path): run `rag ingest PATH --index \(path)` first")
            }
        } else {
            let dir = (path as NSString).deletingLastPathComponent
            if !dir.isEmpty { try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        }
        db = try Database(path: path, mode: readOnly ? .readOnly : .readWrite)
        let version = Int(try db.scalarInt("PRAGMA user_version") ?? 0)
        if version > Schema.version {
            throw RAGError(.schemaTooNew, "index \(path) has schema version \(version); this rag knows up to \(Schema.version): upgrade rag")
        }
        schemaVersion = version
        if version < Schema.version {
            if readOnly && version >= Schema.readableFrom { return }
            if readOnly {
                throw RAGError(.schemaOutdated, "index \(path) has schema version \(version), needs \(Schema.version): run `rag ingest` once to migrate it")
            }
            try migrate(from: version)
            schemaVersion = Schema.version
        }
    }

    private func migrate(from version: Int) throws {
        for v in version..<Schema.version {
            try db.transaction {
                try db.execute(Schema.migrations[v])
                try db.execute("PRAGMA user_version = \(v + 1)")
            }
        }
    }

    // MARK: meta

    public func meta(_ key: String) throws -> String? {
        try db.scalarText("SELECT value FROM meta WHERE key = ?", [.text(key)])
    }

    public func setMeta(_ key: String, _ value: String) throws {
        try db.prepare("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
            .run([.text(key), .text(value)])
    }

    /// Bumped by every ingest that changes content; caches keyed on it are invalidated by any change.
    public func generation() throws -> Int { Int(try meta("generation") ?? "0") ?? 0 }

    public func bumpGeneration() throws {
        try db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'")
    }

    // MARK: files

    public func fileRecord(path: String) throws -> FileRecord? {
        let stmt = try db.prepare("SELECT id, content_sha256, size, mtime FROM files WHERE path = ?")
        try stmt.bind([.text(path)])
        guard try stmt.step() else { return nil }
        return FileRecord(id: stmt.int(0), path: path, sha256: stmt.text(1), size: stmt.int(2), mtime: stmt.double(3))
    }

    public func allFileRecords() throws -> [FileRecord] {
        let stmt = try db.prepare("SELECT id, path, content_sha256, size, mtime FROM files")
        var out: [FileRecord] = []
        while try stmt.step() {
            out.append(FileRecord(id: stmt.int(0), path: stmt.text(1), sha256: stmt.text(2), size: stmt.int(3), mtime: stmt.double(4)))
        }
        return out
    }

    /// Records a new size/mtime for a file whose content hash did not change.
    public func touchFile(id: Int64, size: Int64, mtime: Double) throws {
        try db.prepare("UPDATE files SET size = ?, mtime = ? WHERE id = ?").run([.int(size), .double(mtime), .int(id)])
    }

    /// Replaces everything stored for the file at `path` with `documents`. Call inside a transaction.
    /// Returns the ids of the inserted chunks, in order.
    @discardableResult
    public func replaceFile(
        path: String, sha256: String, size: Int64, mtime: Double, format: DocumentFormat, documents: [PreparedDocument]
    ) throws -> [Int64] {
        try removeFile(path: path)
        try db.prepare("INSERT INTO files(path, content_sha256, size, mtime, format, ingested_at) VALUES (?, ?, ?, ?, ?, ?)")
            .run([.text(path), .text(sha256), .int(size), .double(mtime), .text(format.rawValue),
                  .double(Date().timeIntervalSince1970)])
        let fileID = db.lastInsertRowID
        let insertDoc = try db.prepare(
            "INSERT INTO documents(file_id, path, external_id, title, format, content_sha256) VALUES (?, ?, ?, ?, ?, ?)")
        let insertChunk = try db.prepare("""
            INSERT INTO chunks(document_id, ordinal, heading_path, text, token_count, char_start, char_end, content_sha256)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
        var chunkIDs: [Int64] = []
        for prepared in documents {
            let d = prepared.document
            try insertDoc.run([.int(fileID), .text(d.path), d.externalID.map { .text($0) } ?? .null,
                               d.title.map { .text($0) } ?? .null, .text(d.format.rawValue), .text(prepared.contentSHA256)])
            let docID = db.lastInsertRowID
            for c in prepared.chunks {
                try insertChunk.run([.int(docID), .int(Int64(c.ordinal)), .text(c.headingPathText), .text(c.text),
                                     .int(Int64(c.tokenCount)), .int(Int64(c.charStart)), .int(Int64(c.charEnd)),
                                     .text(ContentHash.sha256Hex(c.text))])
                chunkIDs.append(db.lastInsertRowID)
            }
        }
        return chunkIDs
    }

    /// Removes a file and (by cascade) its documents, chunks, FTS rows and embeddings. Call inside a transaction.
    public func removeFile(path: String) throws {
        try db.prepare("DELETE FROM files WHERE path = ?").run([.text(path)])
    }

    // MARK: embeddings

    /// Stores a chunk's vector (rejecting NaN and a dimension other than the index's) and, when the index has an
    /// IVF, places it in its nearest list.
    public func setEmbedding(chunkID: Int64, vector: [Float]) throws {
        try validateVector(vector, chunkID: chunkID)
        try db.prepare("INSERT OR REPLACE INTO embeddings(chunk_id, vector) VALUES (?, ?)")
            .run([.int(chunkID), .blob(VectorBlob.encode(vector))])
        try assignToIVF(chunkID: chunkID, vector: vector)
    }

    public func cachedEmbedding(textSHA256: String, model: String) throws -> [Float]? {
        let stmt = try db.prepare("SELECT vector FROM embedding_cache WHERE content_sha256 = ? AND model = ?")
        try stmt.bind([.text(textSHA256), .text(model)])
        guard try stmt.step() else { return nil }
        return VectorBlob.decode(stmt.blob(0))
    }

    public func cacheEmbedding(textSHA256: String, model: String, vector: [Float]) throws {
        try db.prepare("INSERT OR REPLACE INTO embedding_cache(content_sha256, model, vector) VALUES (?, ?, ?)")
            .run([.text(textSHA256), .text(model), .blob(VectorBlob.encode(vector))])
    }

    // MARK: checks and stats

    /// `PRAGMA integrity_check` plus FTS5's own check that the keyword index matches the chunks (FTS5 runs its
    /// check as a write statement, so the store must be open read-write).
    public func integrityCheck() throws -> String {
        let result = try db.scalarText("PRAGMA integrity_check") ?? "no result"
        if result != "ok" { return result }
        do {
            try db.execute("INSERT INTO chunks_fts(chunks_fts, rank) VALUES ('integrity-check', 1)")
        } catch {
            return "fts5: \(error)"
        }
        return "ok"
    }

    /// Chunks in the index (a readiness probe reports it every few seconds, so it is not the whole `stats()`).
    public func chunkCount() throws -> Int { Int(try db.scalarInt("SELECT count(*) FROM chunks") ?? 0) }

    /// When the last file was ingested (seconds since 1970), nil for an empty index.
    public func lastIngestedAt() throws -> Double? {
        let stmt = try db.prepare("SELECT max(ingested_at) FROM files")
        guard try stmt.step(), !stmt.isNull(0) else { return nil }
        return stmt.double(0)
    }

    public func stats() throws -> IndexStats {
        func count(_ table: String) throws -> Int { Int(try db.scalarInt("SELECT count(*) FROM \(table)") ?? 0) }
        var formats: [String: Int] = [:]
        let stmt = try db.prepare("SELECT format, count(*) FROM documents GROUP BY format")
        while try stmt.step() { formats[stmt.text(0)] = Int(stmt.int(1)) }
        var size: Int64 = 0
        for suffix in ["", "-wal"] {
            if let attrs = try? FileManager.default.attributesOfItem(atPath: path + suffix),
               let n = attrs[.size] as? NSNumber { size += n.int64Value }
        }
        return IndexStats(
            path: path, schemaVersion: Int(try db.scalarInt("PRAGMA user_version") ?? 0),
            files: try count("files"), documents: try count("documents"), chunks: try count("chunks"),
            embeddings: try count("embeddings"),
            tokens: Int(try db.scalarInt("SELECT coalesce(sum(token_count), 0) FROM chunks") ?? 0),
            bytesOnDisk: size, generation: try generation(), formats: formats, vectorIndex: try vectorIndexPlan(),
            redaction: try meta("redaction"))
    }
}

extension IndexStore {
    /// Stored vectors of the given chunks (chunks without one are absent from the result).
    public func embeddings(chunkIDs: [Int64]) throws -> [Int64: [Float]] {
        var out: [Int64: [Float]] = [:]
        let stmt = try db.prepare("SELECT vector FROM embeddings WHERE chunk_id = ?")
        for id in chunkIDs {
            stmt.reset()
            try stmt.bind([.int(id)])
            if try stmt.step() { out[id] = VectorBlob.decode(stmt.blob(0)) }
        }
        return out
    }
}
