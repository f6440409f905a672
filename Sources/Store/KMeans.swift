/// Spherical k-means for the IVF coarse quantiser: k-means++ seeding on a sample, Lloyd iterations whose
/// assignment step is one sgemm per block of rows, deterministic for a given seed.
import Foundation
import Kernels
import RAGCore

public struct KMeansParameters: Sendable {
    public var clusters: Int
    public var seed: UInt64 = 1
    public var iterations: Int = 10
    /// Lloyd iterations run on at most this many points per cluster (FAISS uses 256; 64 keeps 200k-vector training
    /// to seconds with no measurable recall loss on the benchmark).
    public var trainingPointsPerCluster: Int = 64
    /// k-means++ seeding runs on at most this many points per cluster (it is sequential in the clusters).
    public var seedingPointsPerCluster: Int = 8

    public init(clusters: Int, seed: UInt64 = 1, iterations: Int = 10) {
        self.clusters = clusters
        self.seed = seed
        self.iterations = iterations
    }
}

public enum KMeans {
    /// Unit-norm centroids, (clusters, dimension) row-major. `clusters` is capped at the number of rows.
    public static func train(_ matrix: VectorMatrix, _ p: KMeansParameters) -> [Float] {
        let n = matrix.count, dim = matrix.dimension
        let k = max(1, min(p.clusters, n))
        var rng = SplitMix64(seed: p.seed)
        let order = samplePermutation(n: n, take: min(n, max(k * p.trainingPointsPerCluster, k)), rng: &rng)
        // Training points, copied contiguous: (t, dim).
        var train = [Float](repeating: 0, count: order.count * dim)
        train.withUnsafeMutableBufferPointer { t in
            for (i, r) in order.enumerated() { (t.baseAddress! + i * dim).update(from: matrix.row(r), count: dim) }
        }
        let seedCount = min(order.count, max(k * p.seedingPointsPerCluster, k))
        var centroids = seedPlusPlus(train, count: seedCount, dimension: dim, k: k, rng: &rng)
        var assignment = [Int32](repeating: 0, count: order.count)
        for _ in 0..<p.iterations {
            train.withUnsafeBufferPointer { t in
                centroids.withUnsafeBufferPointer { c in
                    assign(rows: t.baseAddress!, count: order.count, dimension: dim, centroids: c.baseAddress!, clusters: k, into: &assignment)
                }
            }
            var sums = [Float](repeating: 0, count: k * dim)
            var counts = [Int](repeating: 0, count: k)
            train.withUnsafeBufferPointer { t in
                sums.withUnsafeMutableBufferPointer { s in
                    for i in 0..<order.count {
                        let c = Int(assignment[i])
                        counts[c] += 1
                        let dst = s.baseAddress! + c * dim, src = t.baseAddress! + i * dim
                        for j in 0..<dim { dst[j] += src[j] }
                    }
                }
            }
            for c in 0..<k {
                if counts[c] == 0 {
                    // An empty cluster restarts at a random training point (deterministic through the seed).
                    let pick = Int(rng.next() % UInt64(order.count))
                    for j in 0..<dim { centroids[c * dim + j] = train[pick * dim + j] }
                    continue
                }
                var norm: Float = 0
                for j in 0..<dim { norm += sums[c * dim + j] * sums[c * dim + j] }
                let inv = 1 / max(norm.squareRoot(), 1e-12)
                for j in 0..<dim { centroids[c * dim + j] = sums[c * dim + j] * inv }
            }
        }
        return centroids
    }

    /// k-means++: each next centroid drawn with probability proportional to the squared distance to the nearest
    /// centroid chosen so far.
    static func seedPlusPlus(_ points: [Float], count s: Int, dimension dim: Int, k: Int, rng: inout SplitMix64) -> [Float] {
        var centroids = [Float](repeating: 0, count: k * dim)
        var nearest = [Float](repeating: .infinity, count: s)
        points.withUnsafeBufferPointer { pb in
            let p = pb.baseAddress!
            var norms = [Float](repeating: 0, count: s)
            for i in 0..<s { norms[i] = DotProduct.f32(p + i * dim, p + i * dim, count: dim) }
            var pick = Int(rng.next() % UInt64(s))
            for c in 0..<k {
                for j in 0..<dim { centroids[c * dim + j] = p[pick * dim + j] }
                let cp = p + pick * dim
                let cn = norms[pick]
                var total: Double = 0
                for i in 0..<s {
                    let d = max(0, norms[i] + cn - 2 * DotProduct.f32(p + i * dim, cp, count: dim))
                    if d < nearest[i] { nearest[i] = d }
                    total += Double(nearest[i])
                }
                if c + 1 == k { break }
                if total <= 0 {
                    pick = Int(rng.next() % UInt64(s))
                    continue
                }
                var target = rng.unit() * total
                pick = s - 1
                for i in 0..<s {
                    target -= Double(nearest[i])
                    if target < 0 { pick = i; break }
                }
            }
        }
        return centroids
    }

    /// For each row, the centroid with the highest inner product (one sgemm per block of rows, then argmax).
    public static func assign(rows: UnsafePointer<Float>, count n: Int, dimension dim: Int, centroids: UnsafePointer<Float>,
                              clusters k: Int, into out: inout [Int32]) {
        if out.count != n { out = [Int32](repeating: 0, count: n) }
        let block = 1024
        var scores = [Float](repeating: 0, count: block * k)
        scores.withUnsafeMutableBufferPointer { sb in
            let s = sb.baseAddress!
            var start = 0
            while start < n {
                let m = min(block, n - start)
                Sgemm.abT(m: m, n: k, k: dim, a: rows + start * dim, lda: dim, b: centroids, ldb: dim, c: s, ldc: k)
                for i in 0..<m {
                    let row = s + i * k
                    var best = 0
                    var bestScore = row[0]
                    for c in 1..<max(k, 1) where row[c] > bestScore {
                        bestScore = row[c]
                        best = c
                    }
                    out[start + i] = Int32(best)
                }
                start += m
            }
        }
    }

    /// The first `take` entries of a seeded Fisher–Yates shuffle of 0..<n.
    static func samplePermutation(n: Int, take: Int, rng: inout SplitMix64) -> [Int] {
        if take >= n { return Array(0..<n) }
        var idx = Array(0..<n)
        for i in 0..<take {
            let j = i + Int(rng.next() % UInt64(n - i))
            idx.swapAt(i, j)
        }
        return Array(idx.prefix(take)).sorted()
    }
}
