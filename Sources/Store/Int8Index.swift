/// Flat search over int8 codes: a quarter of the bytes of fp32 per scan, then the best candidates re-scored with
/// the fp32 originals so the final order is the exact one among them.
///
/// Scheme: symmetric per-vector scale, code = round(x / s) with s = max|x| / 127, so each vector uses the full
/// int8 range whatever its spread (encoder vectors are L2-normalised but their largest component varies from
/// about 0.1 to 0.4, which a single global scale would waste). The query is quantised the same way; its scale is
/// one constant factor and does not change the order, so the scan score is dot(codes) · s_row.
import Kernels

public final class Int8Index: @unchecked Sendable {
    // Immutable after init; only read by searches.
    public let matrix: VectorMatrix
    /// (count, dimension) int8 codes, 64-byte aligned.
    let codes: UnsafeMutablePointer<Int8>
    /// (count) per-row scales.
    let scales: [Float]
    /// Candidates re-scored in fp32 per result asked for.
    public let rescoreFactor: Int

    public init(matrix: VectorMatrix, rescoreFactor: Int = 10) {
        self.matrix = matrix
        self.rescoreFactor = max(1, rescoreFactor)
        let n = matrix.count, dim = matrix.dimension
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(1, n * dim), alignment: 64)
        codes = raw.bindMemory(to: Int8.self, capacity: max(1, n * dim))
        var scales = [Float](repeating: 0, count: n)
        for r in 0..<n {
            scales[r] = Int8Quantizer.quantize(matrix.row(r), count: dim, into: codes + r * dim)
        }
        self.scales = scales
    }

    deinit { codes.deallocate() }

    /// Bytes of the scanned structure (codes and scales); the fp32 originals are kept beside it for re-scoring.
    public var bytes: Int { matrix.count * matrix.dimension + scales.count * 4 }

    public func search(_ query: [Float], k: Int, options: VectorSearchOptions = .init()) throws -> [VectorHit] {
        try checkQuery(query, dimension: matrix.dimension)
        let m = matrix, dim = m.dimension
        var q8 = [Int8](repeating: 0, count: dim)
        _ = query.withUnsafeBufferPointer { Int8Quantizer.quantize($0.baseAddress!, count: dim, into: &q8) }
        let depth = min(m.count, max(k * rescoreFactor, k + 32))
        let filter = options.filter
        let candidates = q8.withUnsafeBufferPointer { qb -> TopK in
            let q = QueryPointer(p: qb.baseAddress!)
            let c = QueryPointer(p: UnsafePointer(codes))
            return scales.withUnsafeBufferPointer { sb -> TopK in
                let s = QueryPointer(p: sb.baseAddress!)
                return ParallelScan.run(count: m.count, k: depth, threads: options.threads) { range, top in
                    var threshold = top.threshold
                    for r in range {
                        let score = Float(DotProduct.i8(q.p, c.p + r &* dim, count: dim)) * s.p[r]
                        if score >= threshold {
                            if let filter, !filter.contains(r) { continue }
                            top.push(score, r)
                            threshold = top.threshold
                        }
                    }
                }
            }
        }
        var exact = TopK(k: min(k, m.count))
        query.withUnsafeBufferPointer { qb in
            for c in candidates.sorted() {
                exact.push(DotProduct.f32(qb.baseAddress!, m.row(c.id), count: dim), c.id)
            }
        }
        return exact.sorted().map { VectorHit(row: $0.id, id: m.ids[$0.id], score: $0.score) }
    }
}

/// Symmetric per-vector int8 quantisation.
public enum Int8Quantizer {
    /// Writes the codes of `x` and returns its scale (0 for a zero vector).
    @discardableResult
    public static func quantize(_ x: UnsafePointer<Float>, count n: Int, into out: UnsafeMutablePointer<Int8>) -> Float {
        var amax: Float = 0
        for i in 0..<n { amax = max(amax, abs(x[i])) }
        guard amax > 0 else {
            for i in 0..<n { out[i] = 0 }
            return 0
        }
        let scale = amax / 127
        let inv = 1 / scale
        for i in 0..<n { out[i] = Int8(max(-127, min(127, (x[i] * inv).rounded()))) }
        return scale
    }
}
