/// `rag bench ingest`: ingest throughput without embeddings, as one JSON line.
import ArgumentParser
import Benchmarks
import Foundation
import Ingest
import Store

struct BenchIngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Time an ingest without embeddings; prints {files, bytes, chunks, pages, seconds, mb_per_s, files_per_s, chunks_per_s, pages_per_s, redactions, peak_rss_mb}."
    )

    @Option(help: "Index database (default: a new temporary file, removed afterwards).") var index: String?
    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "Redact these kinds of personal data (as `rag ingest --redact`), to time redaction.") var redact: String?
    @Argument(help: "Files or folders to ingest.") var paths: [String]

    func run() async throws {
        let temporary = index == nil
        let path = index ?? NSTemporaryDirectory() + "rag-bench-ingest-\(getpid()).sqlite"
        defer {
            if temporary { for s in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + s) } }
        }
        let chunker = Chunker(counter: try ModelLoader(directory: modelOptions.directory).wordPiece())
        let redaction = try redact.map(RedactionKind.parseList) ?? []
        let (summary, result) = try IngestBenchmark.run(paths: paths, store: try IndexStore(path: path), chunker: chunker, redact: redaction)
        for p in summary.problems { printError("rag: \(p.message)") }
        try printJSON(result)
    }
}
