/// `rag bench ingest`: ingest throughput without embeddings, as one JSON line.
import ArgumentParser
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

    struct Output: Encodable {
        var files: Int
        var files_changed: Int
        var files_unchanged: Int
        var files_failed: Int
        var bytes: Int64
        var chunks: Int
        var seconds: Double
        var mb_per_s: Double
        var files_per_s: Double
        var chunks_per_s: Double
        /// PDF pages read (0 for other formats).
        var pages: Int
        var pages_per_s: Double
        var redactions: [String: Int]
        var peak_rss_mb: Double
    }

    func run() async throws {
        let temporary = index == nil
        let path = index ?? NSTemporaryDirectory() + "rag-bench-ingest-\(getpid()).sqlite"
        defer {
            if temporary { for s in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + s) } }
        }
        let models = try ModelLoader(directory: modelOptions.directory)
        let counter = try models.wordPiece()
        let store = try IndexStore(path: path)
        var options = IngestOptions()
        options.embed = false
        options.redact = try redact.map(RedactionKind.parseList) ?? []
        let s = try IngestPipeline(store: store, chunker: Chunker(counter: counter), embedder: nil)
            .run(paths: paths, options: options)
        for p in s.problems { printError("rag: \(p.message)") }
        // Bytes of every file looked at, changed or not, so a re-run over an unchanged tree reports its real rate.
        let t = max(s.seconds, 1e-9)
        try printJSON(Output(
            files: s.files, files_changed: s.filesChanged, files_unchanged: s.filesUnchanged, files_failed: s.filesFailed,
            bytes: s.bytes, chunks: s.chunks, seconds: s.seconds, mb_per_s: Double(s.bytes) / 1_048_576 / t,
            files_per_s: Double(s.files) / t, chunks_per_s: Double(s.chunks) / t,
            pages: s.pages, pages_per_s: Double(s.pages) / t, redactions: s.redactions, peak_rss_mb: peakRSSMegabytes()))
    }
}
