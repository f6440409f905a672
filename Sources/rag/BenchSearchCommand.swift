/// `rag bench search`: vector-search speed and recall on `.npy` vectors (the measurement is `SearchBenchmark`).
import ArgumentParser
import Benchmarks
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
        var bench = SearchBenchmark()
        bench.k = k
        bench.indexType = indexType
        bench.nprobe = nprobe
        bench.targetRecall = targetRecall
        bench.nlist = nlist
        bench.threads = threads
        bench.repeats = repeats
        let result = try asUsageError { try bench.run(vectors: try NumpyMatrix(path: vectors), queries: try NumpyMatrix(path: queries)) }
        try printJSON(result)
    }
}
