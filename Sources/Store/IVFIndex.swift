/// Inverted-file index (FAISS IndexIVFFlat in shape): a coarse quantiser (the centroids), list storage (each
/// list's vectors copied contiguously, so a probe is one sequential read) and a per-query `nprobe`.
import Kernels

public final class IVFIndex: @unchecked Sendable {
    // Immutable after init; only read by searches.
    public let matrix: VectorMatrix
    public let nlist: Int
    /// Lists probed when the query does not say.
    public let defaultNprobe: Int
    /// (nlist, dimension).
    let centroids: [Float]
    /// List l holds list positions offsets[l]..<offsets[l+1].
    let offsets: [Int]
    /// Matrix row of each list position.
    let members: [Int32]
    /// (count, dimension) vectors in list order.
    let listVectors: UnsafeMutablePointer<Float>

    /// The `nlist` a fresh training uses: about 4·√N, as FAISS's guidelines and the reference benchmark do.
    public static func defaultNlist(count: Int) -> Int { max(1, min(count, Int((4 * Double(count).squareRoot()).rounded()))) }

    /// Default `nprobe`: a third of the lists (at least 8). Measured on SciFact (11,432 chunk vectors, 428 lists),
    /// whose claim-style queries sit far from every centroid: nDCG@10 is 0.643 at 27 lists, 0.651 at 64, 0.661 at
    /// 128–160 against 0.6635 exact, so quality needs about 30 % of the lists. Latency-sensitive callers pass
    /// `--nprobe`, or `rag bench search --target-recall` finds the smallest one reaching a recall.
    public static func defaultNprobe(nlist: Int) -> Int { min(nlist, max(8, (nlist + 2) / 3)) }

    /// `assignment[r]` is the list of matrix row r (rows outside 0..<nlist are given their nearest list here).
    public init(matrix: VectorMatrix, centroids: [Float], assignment: [Int32], defaultNprobe: Int? = nil) {
        let dim = matrix.dimension
        let nlist = centroids.count / max(dim, 1)
        self.matrix = matrix
        self.nlist = nlist
        self.centroids = centroids
        self.defaultNprobe = defaultNprobe ?? Self.defaultNprobe(nlist: nlist)
        var assignment = assignment
        centroids.withUnsafeBufferPointer { c in
            for r in 0..<matrix.count where assignment[r] < 0 || Int(assignment[r]) >= nlist {
                assignment[r] = Int32(Self.nearest(matrix.row(r), centroids: c.baseAddress!, nlist: nlist, dimension: dim))
            }
        }
        var offsets = [Int](repeating: 0, count: nlist + 1)
        for a in assignment { offsets[Int(a) + 1] += 1 }
        for l in 0..<nlist { offsets[l + 1] += offsets[l] }
        var fill = offsets
        var members = [Int32](repeating: 0, count: matrix.count)
        listVectors = VectorMatrix.allocate(count: matrix.count, dimension: dim)
        for r in 0..<matrix.count {
            let l = Int(assignment[r])
            let pos = fill[l]
            fill[l] += 1
            members[pos] = Int32(r)
            (listVectors + pos * dim).update(from: matrix.row(r), count: dim)
        }
        self.offsets = offsets
        self.members = members
    }

    deinit { listVectors.deallocate() }

    /// Bytes of centroids, list vectors and member ids.
    public var bytes: Int { centroids.count * 4 + matrix.count * matrix.dimension * 4 + members.count * 4 + offsets.count * 8 }

    static func nearest(_ v: UnsafePointer<Float>, centroids: UnsafePointer<Float>, nlist: Int, dimension dim: Int) -> Int {
        var best = 0
        var bestScore = -Float.infinity
        for l in 0..<nlist {
            let s = DotProduct.f32(v, centroids + l * dim, count: dim)
            if s > bestScore { bestScore = s; best = l }
        }
        return best
    }

    /// The list a new vector belongs to.
    public func nearestList(_ v: [Float]) -> Int {
        v.withUnsafeBufferPointer { vb in centroids.withUnsafeBufferPointer { c in
            Self.nearest(vb.baseAddress!, centroids: c.baseAddress!, nlist: nlist, dimension: matrix.dimension)
        } }
    }

    public func search(_ query: [Float], k: Int, options: VectorSearchOptions = .init()) throws -> [VectorHit] {
        try checkQuery(query, dimension: matrix.dimension)
        let nprobe = max(1, min(nlist, options.nprobe ?? defaultNprobe))
        let dim = matrix.dimension
        let filter = options.filter
        var top = TopK(k: min(k, matrix.count))
        query.withUnsafeBufferPointer { qb in
            let q = qb.baseAddress!
            var probes = TopK(k: nprobe)
            centroids.withUnsafeBufferPointer { c in
                var threshold = -Float.infinity
                for l in 0..<nlist {
                    let s = DotProduct.f32(q, c.baseAddress! + l &* dim, count: dim)
                    if s >= threshold { probes.push(s, l); threshold = probes.threshold }
                }
            }
            members.withUnsafeBufferPointer { mb in
                var threshold = top.threshold
                for p in probes.sorted() {
                    for pos in offsets[p.id]..<offsets[p.id + 1] {
                        let s = DotProduct.f32(q, listVectors + pos &* dim, count: dim)
                        if s >= threshold {
                            let r = Int(mb[pos])
                            if let filter, !filter.contains(r) { continue }
                            top.push(s, r)
                            threshold = top.threshold
                        }
                    }
                }
            }
        }
        return top.sorted().map { VectorHit(row: $0.id, id: matrix.ids[$0.id], score: $0.score) }
    }
}
