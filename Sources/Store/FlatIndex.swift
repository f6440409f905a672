/// Exact inner-product search: every row scored with the SIMD dot kernel, top-k by partial selection, rows split
/// over threads for large scans.
import RAGCore
import Dispatch
import Kernels

/// One result of a vector search: the row in the matrix, its chunk id and its inner product with the query.
public struct VectorHit: Sendable, Equatable {
    public var row: Int
    public var id: Int64
    public var score: Float
}

/// Splits rows 0..<count over `threads` workers, each with its own selection, then merges them.
enum ParallelScan {
    /// Below this many rows one thread is faster than waking another.
    static let minimumRowsPerThread = 8192

    static func run(count: Int, k: Int, threads: Int, _ body: @Sendable (Range<Int>, inout TopK) -> Void) -> TopK {
        let workers = max(1, min(threads, count / minimumRowsPerThread))
        if workers == 1 {
            var top = TopK(k: k)
            body(0..<count, &top)
            return top
        }
        let slots = UnsafeMutableBufferPointer<TopK>.allocate(capacity: workers)
        slots.initialize(repeating: TopK(k: k))
        defer { slots.deinitialize(); slots.deallocate() }
        let shared = Slots(buffer: slots)
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            let lo = count * w / workers, hi = count * (w + 1) / workers
            body(lo..<hi, &shared.buffer[w])
        }
        var top = slots[0]
        for w in 1..<workers { top.merge(slots[w]) }
        return top
    }

    // Each worker writes only its own slot.
    struct Slots: @unchecked Sendable { let buffer: UnsafeMutableBufferPointer<TopK> }
}

public final class FlatIndex: @unchecked Sendable {
    // Immutable; the matrix is only read.
    public let matrix: VectorMatrix

    public init(matrix: VectorMatrix) { self.matrix = matrix }

    /// The k rows with the highest inner product with `query`, best first.
    public func search(_ query: [Float], k: Int, options: VectorSearchOptions = .init()) throws -> [VectorHit] {
        try checkQuery(query, dimension: matrix.dimension)
        let m = matrix
        let dim = m.dimension
        let filter = options.filter
        let top = query.withUnsafeBufferPointer { qb -> TopK in
            let q = QueryPointer(p: qb.baseAddress!)
            return ParallelScan.run(count: m.count, k: min(k, m.count), threads: options.threads) { range, top in
                var threshold = top.threshold
                for r in range {
                    let s = DotProduct.f32(q.p, m.storage + r &* dim, count: dim)
                    if s >= threshold {
                        if let filter, !filter.contains(r) { continue }
                        top.push(s, r)
                        threshold = top.threshold
                    }
                }
            }
        }
        return top.sorted().map { VectorHit(row: $0.id, id: m.ids[$0.id], score: $0.score) }
    }
}

/// A query buffer handed to scan workers, which only read it while the caller waits.
struct QueryPointer<T>: @unchecked Sendable { let p: UnsafePointer<T> }

func checkQuery(_ query: [Float], dimension: Int) throws {
    guard query.count == dimension else {
        throw RAGError(.dimensionMismatch, "the query vector has \(query.count) values but the index holds \(dimension)-dimensional vectors: it was built with another encoder")
    }
    guard query.allSatisfy(\.isFinite) else {
        throw RAGError(.invalidVector, "the query vector has a NaN or infinite value")
    }
}
