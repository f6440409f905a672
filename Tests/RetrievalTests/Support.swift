/// Retrieval's test fixtures: temporary index files, seeded synthetic vectors, small indexes.
import Foundation
import RAGCore
import Store
import TestSupport

enum Fixture {
    static var encoderDirectory: URL { Paths.encoderDirectory }

    static func temporaryIndexPath(_ name: String) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rag-retrieval-\(name)-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent("index.sqlite").path
    }

    /// n unit vectors of `dim` values, seeded.
    static func unitVectors(_ n: Int, dim: Int, seed: UInt64) -> [[Float]] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        func next() -> Float {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return Float(state >> 40) / Float(1 << 24) * 2 - 1
        }
        return (0..<n).map { _ in
            let v = (0..<dim).map { _ in next() }
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return v.map { $0 / norm }
        }
    }

    /// Clustered unit vectors (what IVF is for): `clusters` random centres with noise around each.
    static func clusteredVectors(_ n: Int, dim: Int, clusters: Int, seed: UInt64) -> [[Float]] {
        let centres = unitVectors(clusters, dim: dim, seed: seed)
        let noise = unitVectors(n, dim: dim, seed: seed + 1)
        return (0..<n).map { i in
            let v = zip(centres[i % clusters], noise[i]).map { $0 + 0.35 * $1 }
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return v.map { $0 / norm }
        }
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
