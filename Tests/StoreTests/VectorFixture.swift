/// Vector index test fixtures: seeded synthetic vectors (uniform and clustered) and a small store holding them.
import Foundation
import RAGCore
import Store
import TestSupport

enum Fixture {
    static func temporaryIndexPath(_ name: String) -> String { TestIndex.path(name) }

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

    /// An index with one document per text and the given vector per chunk (the shared builder in TestSupport).
    static func store(texts: [String], vectors: [[Float]], formats: [DocumentFormat]? = nil, headings: [[String]]? = nil,
                      model: String = "fake/fp32@sha256:0", name: String = "store") throws -> IndexStore {
        try TestIndex.store(texts: texts, vectors: vectors, formats: formats, headings: headings, model: model, name: name)
    }
}
