/// A deterministic embedder for pipeline tests: each known text maps to a fixed vector; it counts its calls.
import RAGCore

/// A deterministic embedder: each known text maps to a fixed vector; it counts its calls.
public final class FakeEmbedder: Embedder, @unchecked Sendable {
    public let modelID: String
    public let dimension: Int
    public let table: [String: [Float]]
    public private(set) var calls = 0

    public init(modelID: String = "fake/fp32@sha256:0", table: [String: [Float]]) {
        self.modelID = modelID
        self.table = table
        self.dimension = table.values.first?.count ?? 4
    }

    public func embed(_ texts: [String]) throws -> [[Float]] {
        calls += 1
        return texts.map { table[$0] ?? [Float](repeating: 0.5, count: dimension) }
    }
}
