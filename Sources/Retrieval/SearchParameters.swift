/// One query's search settings as a value, validated once where it is built (CLI flags, an HTTP body, the answer
/// engine's options) and passed down unchanged through the retriever to the vector index and its IVF scan.
import RAGCore
import Store

public struct SearchParameters: Sendable, Equatable {
    /// The most results a search may ask for, unless the caller allows fewer (`maxK`).
    public static let maxK = 1000

    public let mode: RetrievalMode
    /// Results to return, in 1…`maxK`.
    public let k: Int
    /// Only chunks matching this; nil or empty = every chunk.
    public let filter: ChunkFilter?
    /// The vector index a dense query runs on (`auto` lets the planner choose).
    public let indexType: VectorIndexType
    /// IVF lists to scan, ≥ 1; nil = the index's default. Not used when the planner picks flat or int8.
    public let nprobe: Int?
    /// How hybrid search fuses its dense and keyword rankings.
    public let fusion: Fusion

    /// - Throws: `invalid_field` naming the field and value: k outside 1…`maxK`, nprobe < 1, fusion weights outside
    ///   [0, 1] or both 0.
    public init(mode: RetrievalMode = .hybrid, k: Int = 10, filter: ChunkFilter? = nil, indexType: VectorIndexType = .auto,
                nprobe: Int? = nil, fusion: Fusion = .default, maxK: Int = SearchParameters.maxK) throws {
        guard (1...maxK).contains(k) else { throw RAGError(.invalidField, "k: must be between 1 and \(maxK), got \(k)") }
        if let nprobe, nprobe < 1 { throw RAGError(.invalidField, "nprobe: must be at least 1, got \(nprobe)") }
        switch fusion {
        case .reciprocalRank(let rrfK):
            guard rrfK.isFinite, rrfK >= 0 else { throw RAGError(.invalidField, "fusion: the RRF constant must be ≥ 0, got \(rrfK)") }
        case .weighted(let dense, let keyword):
            guard (0...1).contains(dense) else { throw RAGError(.invalidField, "dense_weight: must be between 0 and 1, got \(dense)") }
            guard (0...1).contains(keyword) else { throw RAGError(.invalidField, "keyword_weight: must be between 0 and 1, got \(keyword)") }
        }
        self.mode = mode
        self.k = k
        self.filter = filter?.isEmpty == false ? filter : nil
        self.indexType = indexType
        self.nprobe = nprobe
        self.fusion = fusion
    }

    /// The answer engine's default retrieval: hybrid, 5 chunks, no filter.
    public static let ask = SearchParameters(unchecked: .hybrid, k: 5, filter: nil, indexType: .auto, nprobe: nil, fusion: .default)

    /// The same settings with another mode or k (already valid values: a mode, or a k the caller derived from a
    /// valid one, such as a fusion depth).
    public func with(mode: RetrievalMode? = nil, k: Int? = nil) -> SearchParameters {
        SearchParameters(unchecked: mode ?? self.mode, k: k ?? self.k, filter: filter, indexType: indexType, nprobe: nprobe, fusion: fusion)
    }

    private init(unchecked mode: RetrievalMode, k: Int, filter: ChunkFilter?, indexType: VectorIndexType, nprobe: Int?, fusion: Fusion) {
        self.mode = mode
        self.k = max(1, k)
        self.filter = filter
        self.indexType = indexType
        self.nprobe = nprobe
        self.fusion = fusion
    }
}
