/// `rag bench search`: vector-search speed and recall on `.npy` vectors (the files the FAISS reference reads), with
/// the index built in a temporary SQLite file through the normal store path.
import ArgumentParser
import Foundation
import Kernels
import Store

struct BenchSearchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Time vector search on .npy vectors; prints {index_type, n, queries, qps, recall@10, nprobe, build_s, index_mb}.")

    @Option(help: "float32 .npy of the vectors to index (N × d).") var vectors: String
    @Option(help: "float32 .npy of the query vectors (Q × d).") var queries: String
    @Option(name: .short, help: "Results per query.") var k: Int = 10
    @Option(help: "Index type: flat, int8 or ivf.") var indexType: VectorIndexType = .flat
    @Option(help: "IVF lists probed per query.") var nprobe: Int?
    @Option(help: "Pick the smallest nprobe whose recall reaches this (IVF).") var targetRecall: Double?
    @Option(help: "IVF lists (default about 4·√N).") var nlist: Int?
    @Option(help: "Threads per query scan.") var threads: Int = 1
    @Option(help: "Timed passes over the queries; the median is reported.") var repeats: Int = 3

    func validate() throws {
        guard k >= 1 else { throw ValidationError("-k must be at least 1, got \(k)") }
        guard indexType != .auto else { throw ValidationError("--index-type must be flat, int8 or ivf") }
        if nprobe != nil && targetRecall != nil { throw ValidationError("give --nprobe or --target-recall, not both") }
        if let r = targetRecall, !(r > 0 && r <= 1) { throw ValidationError("--target-recall must be in (0, 1]") }
        if let nprobe, nprobe < 1 { throw ValidationError("--nprobe must be at least 1") }
        guard threads >= 1, repeats >= 1 else { throw ValidationError("--threads and --repeats must be at least 1") }
    }

    func run() async throws {
        let base = try NumpyMatrix(path: vectors)
        let q = try NumpyMatrix(path: queries)
        guard base.columns == q.columns else {
            throw ValidationError("vectors are \(base.columns)-dimensional but queries are \(q.columns)-dimensional")
        }
        guard k <= base.rows else { throw ValidationError("-k \(k) is larger than the \(base.rows) vectors") }
        let path = NSTemporaryDirectory() + "rag-bench-search-\(getpid()).sqlite"
        defer { for s in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + s) } }
        let store = try IndexStore(path: path)
        try Self.insert(base, into: store)

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
        let seconds = times.sorted()[times.count / 2]
        print("{\"index_type\":\(JSONText.string(index.plan.type.rawValue)),\"n\":\(base.rows),\"queries\":\(q.rows)"
            + ",\"qps\":\(JSONText.number(Double(q.rows) / seconds)),\"recall@\(k)\":\(JSONText.number(measuredRecall))"
            + ",\"nprobe\":\(probe.map(String.init) ?? "null"),\"build_s\":\(JSONText.number(buildSeconds))"
            + ",\"index_mb\":\(JSONText.number(Double(index.bytes) / 1_048_576))}")
    }

    /// One file, one document and one empty chunk per vector (the embeddings table hangs off chunks), in one
    /// transaction.
    static func insert(_ m: NumpyMatrix, into store: IndexStore) throws {
        try store.db.transaction {
            try store.setMeta("embedding_model", "bench/npy")
            try store.setMeta("embedding_dimension", String(m.columns))
            try store.db.prepare("INSERT INTO files(path, content_sha256, size, mtime, format, ingested_at) VALUES ('bench.npy', '', 0, 0, 'text', 0)").run()
            let fileID = store.db.lastInsertRowID
            try store.db.prepare("INSERT INTO documents(file_id, path, format, content_sha256) VALUES (?, 'bench.npy', 'text', '')").run([.int(fileID)])
            let docID = store.db.lastInsertRowID
            let chunk = try store.db.prepare("""
                INSERT INTO chunks(document_id, ordinal, heading_path, text, token_count, char_start, char_end, content_sha256)
                VALUES (?, ?, '', '', 0, 0, 0, '')
                """)
            for r in 0..<m.rows {
                try chunk.run([.int(docID), .int(Int64(r))])
                try store.setEmbedding(chunkID: store.db.lastInsertRowID, vector: m.row(r))
            }
        }
    }
}
