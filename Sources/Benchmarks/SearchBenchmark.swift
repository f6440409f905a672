/// Vector-search speed and recall on `.npy` vectors (the files the FAISS reference reads), with the index built
/// in a temporary SQLite file through the normal store path.
import Foundation
import Kernels
import RAGCore
import Store

public struct SearchBenchmark: Sendable {
    public var k = 10
    /// flat, int8 or ivf (not auto: the benchmark measures one index type).
    public var indexType: VectorIndexType = .flat
    public var nprobe: Int?
    /// Pick the smallest nprobe whose recall reaches this (IVF).
    public var targetRecall: Double?
    public var nlist: Int?
    public var threads = 1
    /// Timed passes over the queries; the median is reported.
    public var repeats = 3

    public init() {}

    /// `{index_type, n, queries, qps, recall@k, nprobe, build_s, index_mb}`.
    public struct Result: Encodable, Sendable {
        public var indexType: String
        public var n: Int
        public var queries: Int
        public var qps: RoundedNumber
        public var k: Int
        public var recall: RoundedNumber
        public var nprobe: Int?
        public var buildS: RoundedNumber
        public var indexMb: RoundedNumber

        /// A dynamic key, because the recall is named after its cut-off (`recall@10`).
        struct Key: CodingKey {
            var stringValue: String
            init(_ s: String) { stringValue = s }
            init?(stringValue: String) { self.stringValue = stringValue }
            var intValue: Int? { nil }
            init?(intValue: Int) { nil }
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Key.self)
            try c.encode(indexType, forKey: Key("index_type"))
            try c.encode(n, forKey: Key("n"))
            try c.encode(queries, forKey: Key("queries"))
            try c.encode(qps, forKey: Key("qps"))
            try c.encode(recall, forKey: Key("recall@\(k)"))
            if let nprobe { try c.encode(nprobe, forKey: Key("nprobe")) } else { try c.encodeNil(forKey: Key("nprobe")) }
            try c.encode(buildS, forKey: Key("build_s"))
            try c.encode(indexMb, forKey: Key("index_mb"))
        }
    }

    /// Indexes `vectors`, measures recall against exact search and times `repeats` passes over `queries`.
    public func run(vectors base: NumpyMatrix, queries q: NumpyMatrix) throws -> Result {
        guard base.columns == q.columns else {
            throw RAGError(.invalidInput, "vectors are \(base.columns)-dimensional but queries are \(q.columns)-dimensional")
        }
        guard k <= base.rows else { throw RAGError(.invalidInput, "-k \(k) is larger than the \(base.rows) vectors") }
        // Unique per run, not per process: a library caller (a test suite) may run several at once.
        let path = NSTemporaryDirectory() + "rag-bench-search-\(UUID().uuidString).sqlite"
        defer { for s in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + s) } }
        let store = try IndexStore(path: path)
        try store.insertBareVectors(count: base.rows, dimension: base.columns, source: "bench.npy", model: "bench/npy",
                                    vector: base.row)

        let buildStart = Date()
        if indexType == .ivf { try store.trainIVF(nlist: nlist) }
        let index = try DenseIndex(store: store, requested: indexType)
        let buildSeconds = Date().timeIntervalSince(buildStart)

        let queryRows = (0..<q.rows).map { q.row($0) }
        let exact = FlatIndex(matrix: index.matrix)
        let truth = try queryRows.map { try Set(exact.search($0, k: k, options: .init(threads: 2)).map(\.row)) }
        func recall(_ nprobe: Int?) throws -> Double {
            var sum = 0.0
            for (i, v) in queryRows.enumerated() {
                let got = try index.search(v, k: k, options: .init(threads: threads, nprobe: nprobe)).map(\.row)
                sum += Double(got.filter { truth[i].contains($0) }.count) / Double(k)
            }
            return sum / Double(queryRows.count)
        }

        var probe: Int? = indexType == .ivf ? (nprobe ?? index.plan.nprobe) : nil
        if indexType == .ivf, let target = targetRecall, let nlist = index.plan.nlist {
            // Doubling to bracket the target, then bisection: recall grows with nprobe.
            var lo = 0, hi = 1
            while hi < nlist, try recall(hi) < target { lo = hi; hi = min(nlist, hi * 2) }
            while hi - lo > 1 {
                let mid = (lo + hi) / 2
                if try recall(mid) >= target { hi = mid } else { lo = mid }
            }
            probe = hi
        }
        let measuredRecall = try recall(probe)

        let options = VectorSearchOptions(threads: threads, nprobe: probe)
        for v in queryRows.prefix(10) { _ = try index.search(v, k: k, options: options) }
        var times: [Double] = []
        for _ in 0..<repeats {
            let t0 = DispatchTime.now().uptimeNanoseconds
            for v in queryRows { _ = try index.search(v, k: k, options: options) }
            times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
        }
        let seconds = OrderStatistics.median(times)
        return Result(indexType: index.plan.type.rawValue, n: base.rows, queries: q.rows,
                      qps: RoundedNumber(Double(q.rows) / seconds), k: k, recall: RoundedNumber(measuredRecall),
                      nprobe: probe, buildS: RoundedNumber(buildSeconds),
                      indexMb: RoundedNumber(Double(index.bytes) / 1_048_576))
    }
}
