/// Flat, int8 and IVF search on small synthetic vectors: exactness, agreement, filters and bad input.
import RAGCore
import Foundation
import Store
import Testing

/// Exact top-k by a full sort of every inner product (the reference the indexes are held to).
func dot(_ a: [Float], _ b: [Float]) -> Float {
    var s: Float = 0
    for i in 0..<a.count { s += a[i] * b[i] }
    return s
}

func bruteForce(_ rows: [[Float]], _ q: [Float], k: Int) -> [Int] {
    let scored: [(i: Int, s: Float)] = rows.indices.map { (i: $0, s: dot(rows[$0], q)) }
    let sorted = scored.sorted { $0.s != $1.s ? $0.s > $1.s : $0.i < $1.i }
    return sorted.prefix(k).map { $0.i }
}

@Suite struct FlatIndexTests {
    @Test func flatSearchReturnsTheExactTopKBestFirst() throws {
        let rows = Fixture.unitVectors(500, dim: 37, seed: 1)
        let flat = FlatIndex(matrix: try VectorMatrix(rows: rows, dimension: 37))
        for q in Fixture.unitVectors(5, dim: 37, seed: 2) {
            let hits = try flat.search(q, k: 10)
            #expect(hits.map(\.row) == bruteForce(rows, q, k: 10))
            #expect(zip(hits, hits.dropFirst()).allSatisfy { $0.score >= $1.score })
        }
    }

    @Test func parallelScanEqualsSingleThreadScan() throws {
        let rows = Fixture.unitVectors(40_000, dim: 16, seed: 3)
        let flat = FlatIndex(matrix: try VectorMatrix(rows: rows, dimension: 16))
        let q = Fixture.unitVectors(1, dim: 16, seed: 4)[0]
        #expect(try flat.search(q, k: 25, options: .init(threads: 2)) == flat.search(q, k: 25, options: .init(threads: 1)))
    }

    @Test func kLargerThanTheIndexReturnsEveryRow() throws {
        let rows = Fixture.unitVectors(7, dim: 8, seed: 5)
        let flat = FlatIndex(matrix: try VectorMatrix(rows: rows, dimension: 8))
        #expect(try flat.search(rows[0], k: 100).count == 7)
    }

    @Test func queryOfAnotherDimensionOrWithNaNIsRejected() throws {
        let flat = FlatIndex(matrix: try VectorMatrix(rows: Fixture.unitVectors(3, dim: 8, seed: 7), dimension: 8))
        #expect(throws: RAGError.self) { try flat.search([Float](repeating: 0.1, count: 9), k: 1) }
        var nan = [Float](repeating: 0.1, count: 8)
        nan[3] = .nan
        #expect(throws: RAGError.self) { try flat.search(nan, k: 1) }
    }

    @Test func filterIsAppliedDuringTheScanSoKResultsComeBack() throws {
        let rows = Fixture.unitVectors(300, dim: 12, seed: 8)
        let flat = FlatIndex(matrix: try VectorMatrix(rows: rows, dimension: 12))
        var allowed = RowSet(capacity: 300)
        for r in stride(from: 0, to: 300, by: 7) { allowed.insert(r) }
        let hits = try flat.search(rows[5], k: 10, options: .init(filter: allowed))
        #expect(hits.count == 10)
        #expect(hits.allSatisfy { $0.row % 7 == 0 })
        let admitted = stride(from: 0, to: 300, by: 7).map { rows[$0] }
        #expect(hits.map(\.row) == bruteForce(admitted, rows[5], k: 10).map { $0 * 7 })
    }
}

@Suite struct Int8IndexTests {
    @Test func int8SearchWithRescoringMatchesExactTopK() throws {
        let rows = Fixture.clusteredVectors(3000, dim: 64, clusters: 30, seed: 9)
        let matrix = try VectorMatrix(rows: rows, dimension: 64)
        let int8 = Int8Index(matrix: matrix)
        var agree = 0, total = 0
        for q in Fixture.unitVectors(20, dim: 64, seed: 10) {
            let exact = Set(bruteForce(rows, q, k: 10))
            let got = try int8.search(q, k: 10)
            agree += got.filter { exact.contains($0.row) }.count
            total += 10
            // Re-scored in fp32: the returned scores are exact inner products.
            for h in got { #expect(abs(h.score - dot(rows[h.row], q)) < 1e-5) }
        }
        #expect(Double(agree) / Double(total) >= 0.99)
    }

    @Test func int8IndexIsAboutAQuarterOfFP32() throws {
        let matrix = try VectorMatrix(rows: Fixture.unitVectors(1000, dim: 384, seed: 11), dimension: 384)
        let ratio = Double(Int8Index(matrix: matrix).bytes) / Double(matrix.bytes)
        #expect(ratio < 0.26)
    }

    @Test func quantisationRoundTripsWithinHalfAStep() {
        let v = Fixture.unitVectors(1, dim: 50, seed: 12)[0]
        var codes = [Int8](repeating: 0, count: 50)
        let scale = v.withUnsafeBufferPointer { Int8Quantizer.quantize($0.baseAddress!, count: 50, into: &codes) }
        for i in 0..<50 { #expect(abs(Float(codes[i]) * scale - v[i]) <= scale / 2 + 1e-6) }
        #expect(codes.map { abs(Int($0)) }.max() == 127)
    }
}

@Suite struct IVFIndexTests {
    func trained(_ rows: [[Float]], nlist: Int, seed: UInt64 = 1) throws -> (VectorMatrix, [Float], [Int32]) {
        let matrix = try VectorMatrix(rows: rows, dimension: rows[0].count)
        let centroids = KMeans.train(matrix, KMeansParameters(clusters: nlist, seed: seed, iterations: 8))
        var assignment: [Int32] = []
        centroids.withUnsafeBufferPointer {
            KMeans.assign(rows: matrix.storage, count: matrix.count, dimension: matrix.dimension, centroids: $0.baseAddress!, clusters: nlist, into: &assignment)
        }
        return (matrix, centroids, assignment)
    }

    @Test func nprobeEqualToNlistReturnsFlatTopK() throws {
        let rows = Fixture.clusteredVectors(2000, dim: 32, clusters: 20, seed: 13)
        let (matrix, centroids, assignment) = try trained(rows, nlist: 16)
        let ivf = IVFIndex(matrix: matrix, centroids: centroids, assignment: assignment)
        let flat = FlatIndex(matrix: matrix)
        for q in Fixture.unitVectors(10, dim: 32, seed: 14) {
            #expect(try ivf.search(q, k: 10, options: .init(nprobe: 16)) == flat.search(q, k: 10))
        }
    }

    @Test func defaultNprobeFindsNearlyAllTrueNeighboursOnClusteredData() throws {
        let rows = Fixture.clusteredVectors(4000, dim: 32, clusters: 40, seed: 15)
        let (matrix, centroids, assignment) = try trained(rows, nlist: IVFIndex.defaultNlist(count: 4000))
        let ivf = IVFIndex(matrix: matrix, centroids: centroids, assignment: assignment)
        var found = 0
        let queries = Array(rows.prefix(50))
        for q in queries {
            let exact = Set(bruteForce(rows, q, k: 10))
            found += try ivf.search(q, k: 10).filter { exact.contains($0.row) }.count
        }
        #expect(Double(found) / Double(queries.count * 10) >= 0.9)
    }

    @Test func trainingIsDeterministicForASeed() throws {
        let rows = Fixture.clusteredVectors(1500, dim: 16, clusters: 10, seed: 16)
        let a = try trained(rows, nlist: 12, seed: 7), b = try trained(rows, nlist: 12, seed: 7)
        #expect(a.1 == b.1)
        #expect(a.2 == b.2)
    }

    @Test func everyListIsUsedAndMembershipCoversEveryRow() throws {
        let rows = Fixture.clusteredVectors(1000, dim: 16, clusters: 8, seed: 17)
        let (_, _, assignment) = try trained(rows, nlist: 8)
        #expect(assignment.count == 1000)
        #expect(Set(assignment).count == 8)
    }

    @Test func filteredIVFQueryStillReturnsKWhenKExist() throws {
        let rows = Fixture.clusteredVectors(2000, dim: 16, clusters: 20, seed: 18)
        let store = try Fixture.store(texts: rows.indices.map { "t\($0)" }, vectors: rows, name: "ivf-filter")
        try store.trainIVF(nlist: 20)
        let index = try DenseIndex(store: store, requested: .ivf)
        #expect(index.plan.type == .ivf)
        var allowed = RowSet(capacity: 2000)
        for r in [3, 500, 1999, 1234, 77, 901, 1500, 42, 8, 640, 1111, 222] { allowed.insert(r) }
        let hits = try index.search(rows[0], k: 10, options: .init(nprobe: 1, filter: allowed))
        #expect(hits.count == 10)
        #expect(hits.allSatisfy { allowed.contains($0.row) })
    }
}
