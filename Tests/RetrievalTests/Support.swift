/// Retrieval test fixtures: temporary index files, a small store with given vectors, a deterministic fake embedder.
import Foundation
import RAGCore
import Store

enum Fixture {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var encoderDirectory: URL { repoRoot.appendingPathComponent("Models/minilm") }

    static func temporaryIndexPath(_ name: String) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rag-retrieval-\(name)-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent("index.sqlite").path
    }

    /// An index with one document per text (path `docs/<i>.<ext>`) and the given vector per chunk.
    static func store(texts: [String], vectors: [[Float]], formats: [DocumentFormat]? = nil, headings: [[String]]? = nil,
                      model: String = "fake/fp32@sha256:0", name: String = "store") throws -> IndexStore {
        let store = try IndexStore(path: temporaryIndexPath(name))
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

/// A deterministic embedder: each known text maps to a fixed vector; it counts its calls.
final class FakeEmbedder: Embedder, @unchecked Sendable {
    let modelID: String
    let dimension: Int
    let table: [String: [Float]]
    private(set) var calls = 0

    init(modelID: String = "fake/fp32@sha256:0", table: [String: [Float]]) {
        self.modelID = modelID
        self.table = table
        self.dimension = table.values.first?.count ?? 4
    }

    func embed(_ texts: [String]) throws -> [[Float]] {
        calls += 1
        return texts.map { table[$0] ?? [Float](repeating: 0.5, count: dimension) }
    }
}
