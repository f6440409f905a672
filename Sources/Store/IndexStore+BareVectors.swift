/// Vectors without text: one file, one document and one empty chunk per vector (the embeddings table hangs off
/// chunks), for measuring the vector indexes on vector files that have no documents behind them.
import Foundation

extension IndexStore {
    /// Stores `count` vectors of `dimension` floats under one pseudo-file named `source`, in one transaction;
    /// `vector(i)` gives row i. The index records `model` as its encoder so later searches check it like any other.
    public func insertBareVectors(count: Int, dimension: Int, source: String, model: String,
                                  vector: (Int) -> [Float]) throws {
        try db.transaction {
            try setMeta("embedding_model", model)
            try setMeta("embedding_dimension", String(dimension))
            try db.prepare("INSERT INTO files(path, content_sha256, size, mtime, format, ingested_at) VALUES (?, '', 0, 0, 'text', 0)")
                .run([.text(source)])
            let fileID = db.lastInsertRowID
            try db.prepare("INSERT INTO documents(file_id, path, format, content_sha256) VALUES (?, ?, 'text', '')")
                .run([.int(fileID), .text(source)])
            let documentID = db.lastInsertRowID
            let chunk = try db.prepare("""
                INSERT INTO chunks(document_id, ordinal, heading_path, text, token_count, char_start, char_end, content_sha256)
                VALUES (?, ?, '', '', 0, 0, 0, '')
                """)
            for r in 0..<count {
                try chunk.run([.int(documentID), .int(Int64(r))])
                try setEmbedding(chunkID: db.lastInsertRowID, vector: vector(r))
            }
        }
    }
}
