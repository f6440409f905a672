/// The vector side of one index as a searcher sees it: the matrix loaded at open, the index type the planner
/// picked (flat fp32, int8, IVF), and the generation it was loaded at, so a changed store is reloaded.
import RAGCore
import Foundation

/// The index types `--index-type` names; `auto` lets the planner choose.
public enum VectorIndexType: String, Sendable, Codable, CaseIterable {
    case auto, flat, int8, ivf
}

/// Which index a query runs on, and why (shown by `rag stats`).
public struct VectorIndexPlan: Sendable, Codable, Equatable {
    public var type: VectorIndexType
    public var reason: String
    public var vectors: Int
    public var nlist: Int?
    public var nprobe: Int?
}

public enum VectorIndexPlanner {
    /// Below this many vectors an exact scan costs under a few milliseconds, so `auto` uses flat even when an IVF
    /// is trained; above it, IVF.
    public static let ivfThreshold = 50_000

    public static func plan(requested: VectorIndexType, vectors: Int, ivfNlist: Int?) -> VectorIndexPlan {
        switch requested {
        case .flat: return .init(type: .flat, reason: "requested", vectors: vectors)
        case .int8: return .init(type: .int8, reason: "requested", vectors: vectors)
        case .ivf:
            guard let nlist = ivfNlist else {
                return .init(type: .flat, reason: "IVF requested but not trained (an untrained IVF is flat): run `rag index build --ivf`", vectors: vectors)
            }
            return .init(type: .ivf, reason: "requested", vectors: vectors, nlist: nlist, nprobe: IVFIndex.defaultNprobe(nlist: nlist))
        case .auto:
            if let nlist = ivfNlist, vectors >= ivfThreshold {
                return .init(type: .ivf, reason: "\(vectors) vectors ≥ \(ivfThreshold) and IVF trained", vectors: vectors,
                             nlist: nlist, nprobe: IVFIndex.defaultNprobe(nlist: nlist))
            }
            if ivfNlist == nil && vectors >= ivfThreshold {
                return .init(type: .flat, reason: "\(vectors) vectors ≥ \(ivfThreshold) but IVF not trained: run `rag index build --ivf`", vectors: vectors)
            }
            return .init(type: .flat, reason: "\(vectors) vectors < \(ivfThreshold)", vectors: vectors, nlist: ivfNlist)
        }
    }
}

extension IndexStore {
    /// The plan `auto` (or `requested`) gives for this index, from counts and meta only (no vectors loaded).
    public func vectorIndexPlan(_ requested: VectorIndexType = .auto) throws -> VectorIndexPlan {
        let n = Int(try db.scalarInt("SELECT count(*) FROM embeddings") ?? 0)
        let nlist: Int? = try ivfIsCurrent() ? Int(try meta("ivf_nlist") ?? "") : nil
        return VectorIndexPlanner.plan(requested: requested, vectors: n, ivfNlist: nlist)
    }

    func ivfIsCurrent() throws -> Bool {
        guard let n = try meta("ivf_nlist"), (Int(n) ?? 0) > 0 else { return false }
        return try meta("ivf_model") == meta("embedding_model")
    }
}

public final class DenseIndex: @unchecked Sendable {
    // Immutable after open; searches only read.
    public let matrix: VectorMatrix
    public let plan: VectorIndexPlan
    /// The index type the plan was made for (a query asking for another type loads another index).
    public let requested: VectorIndexType
    /// The store generation the vectors were read at.
    public let generation: Int
    /// The encoder the vectors were made with (meta `embedding_model`).
    public let modelID: String?
    let flat: FlatIndex
    let int8: Int8Index?
    let ivf: IVFIndex?

    /// Loads the vectors of `store` and builds the index the planner picks for `requested`.
    public init(store: IndexStore, requested: VectorIndexType = .auto) throws {
        self.requested = requested
        generation = try store.generation()
        modelID = try store.meta("embedding_model")
        matrix = try store.loadVectorMatrix()
        var plan = try store.vectorIndexPlan(requested)
        plan.vectors = matrix.count
        flat = FlatIndex(matrix: matrix)
        int8 = plan.type == .int8 ? Int8Index(matrix: matrix) : nil
        if plan.type == .ivf, let c = try store.ivfCentroids(), c.dimension == matrix.dimension {
            ivf = IVFIndex(matrix: matrix, centroids: c.vectors, assignment: try store.ivfAssignment(for: matrix))
        } else {
            ivf = nil
            if plan.type == .ivf { plan = .init(type: .flat, reason: "IVF centroids unusable: run `rag index build --ivf`", vectors: matrix.count) }
        }
        self.plan = plan
    }

    public var count: Int { matrix.count }
    public var dimension: Int { matrix.dimension }

    /// Bytes of the structure the planned index scans.
    public var bytes: Int {
        switch plan.type {
        case .int8: return int8?.bytes ?? matrix.bytes
        case .ivf: return ivf?.bytes ?? matrix.bytes
        default: return matrix.bytes
        }
    }

    /// The k nearest rows by inner product on the planned index. A filtered IVF query that finds fewer than k
    /// admitted rows in its probed lists falls back to the exact scan, so k results come back when k exist.
    /// `k` ≥ 1 comes validated with the query's `SearchParameters`.
    public func search(_ query: [Float], k: Int, options: VectorSearchOptions = .init()) throws -> [VectorHit] {
        if matrix.count == 0 { return [] }
        switch plan.type {
        case .int8:
            return try int8!.search(query, k: k, options: options)
        case .ivf:
            let hits = try ivf!.search(query, k: k, options: options)
            if let f = options.filter, hits.count < min(k, f.count) { return try flat.search(query, k: k, options: options) }
            return hits
        default:
            return try flat.search(query, k: k, options: options)
        }
    }
}
