/// The vector-search benchmark on small seeded vectors: recall against exact search, nprobe bisection, bad input.
import Benchmarks
import Foundation
import RAGCore
import Store
import TestSupport
import Testing

@Suite struct SearchBenchmarkTests {
    static func vectors(_ n: Int, dim: Int, seed: UInt64) -> [[Float]] {
        var state = seed
        func next() -> Float { state = state &* 6364136223846793005 &+ 1442695040888963407; return Float(Int64(bitPattern: state) >> 40) / Float(1 << 23) }
        return (0..<n).map { _ in (0..<dim).map { _ in next() } }
    }

    static func matrices(n: Int = 600, queries: Int = 10, dim: Int = 16) throws -> (NumpyMatrix, NumpyMatrix) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rag-bench-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let v = dir.appendingPathComponent("v.npy"), q = dir.appendingPathComponent("q.npy")
        try NumpyFile.write(vectors(n, dim: dim, seed: 7), to: v)
        try NumpyFile.write(vectors(queries, dim: dim, seed: 8), to: q)
        return (try NumpyMatrix(path: v.path), try NumpyMatrix(path: q.path))
    }

    @Test func numpyReaderReturnsTheRowsWritten() throws {
        let rows = Self.vectors(3, dim: 5, seed: 1)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rag-npy-\(UUID().uuidString).npy")
        defer { try? FileManager.default.removeItem(at: url) }
        try NumpyFile.write(rows, to: url)
        let m = try NumpyMatrix(path: url.path)
        #expect(m.rows == 3 && m.columns == 5)
        #expect((0..<3).map(m.row) == rows)
    }

    @Test func flatSearchHasFullRecallAndNoNprobe() throws {
        let (v, q) = try Self.matrices()
        var bench = SearchBenchmark()
        bench.repeats = 1
        let r = try bench.run(vectors: v, queries: q)
        #expect(r.indexType == "flat" && r.n == 600 && r.queries == 10)
        #expect(r.recall.value == 1)
        #expect(r.nprobe == nil)
        let json = try #require(try JSONSerialization.jsonObject(with: JSONEncoder.snakeCase.encode(r)) as? [String: Any])
        #expect(Set(json.keys) == ["index_type", "n", "queries", "qps", "recall@10", "nprobe", "build_s", "index_mb"])
        #expect(json["nprobe"] is NSNull)
    }

    @Test func ivfTargetRecallPicksAnNprobeThatReachesIt() throws {
        let (v, q) = try Self.matrices()
        var bench = SearchBenchmark()
        bench.indexType = .ivf
        bench.targetRecall = 0.9
        bench.repeats = 1
        let r = try bench.run(vectors: v, queries: q)
        #expect(r.indexType == "ivf")
        #expect(try #require(r.recall.value) >= 0.9)
        #expect(try #require(r.nprobe) >= 1)
    }

    @Test func mismatchedDimensionsAreInvalidInput() throws {
        let (v, _) = try Self.matrices()
        let (_, q) = try Self.matrices(dim: 8)
        #expect(throws: RAGError.self) { try SearchBenchmark().run(vectors: v, queries: q) }
    }
}
