/// Small index files for tests: a fresh path in a temporary folder, and a store holding given vectors.
import Foundation
import RAGCore
import Store

public enum TestIndex {
    /// A new index path in a folder of its own (removed with the machine's temporary files).
    public static func path(_ name: String) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rag-test-\(name)-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent("index.sqlite").path
    }

    /// An index with one document per text (path `docs/<i>.<ext>`) and the given vector per chunk.
    public static func store(texts: [String], vectors: [[Float]], formats: [DocumentFormat]? = nil, headings: [[String]]? = nil,
                             model: String = "fake/fp32@sha256:0", name: String = "store") throws -> IndexStore {
        let store = try IndexStore(path: path(name))
        try store.db.transaction {
            try store.setMeta("embedding_model", model)
            try store.setMeta("embedding_dimension", String(vectors.first?.count ?? 0))
            for (i, text) in texts.enumerated() {
                let format = formats?[i] ?? .text
                let path = "docs/\(i).\(format == .markdown ? "md" : format.rawValue)"
                let chunk = Chunk(ordinal: 0, headingPath: headings?[i] ?? [], text: text, tokenCount: 5, charStart: 0, charEnd: text.count)
                let doc = Document(path: path, externalID: "d\(i)", title: nil, format: format, blocks: [])
                let ids = try store.replaceFile(path: path, sha256: "\(i)", size: 1, mtime: 0, format: format,
                                                documents: [PreparedDocument(document: doc, contentSHA256: "\(i)", chunks: [chunk])])
                try store.setEmbedding(chunkID: ids[0], vector: vectors[i])
            }
            try store.bumpGeneration()
        }
        return store
    }
}
