/// Ingest throughput without embeddings: the pipeline's own summary turned into rates.
import Foundation
import Ingest
import RAGCore
import Store

public enum IngestBenchmark {
    public struct Result: Encodable, Sendable {
        public var files: Int
        public var filesChanged: Int
        public var filesUnchanged: Int
        public var filesFailed: Int
        public var bytes: Int64
        public var chunks: Int
        public var seconds: Double
        public var mbPerS: Double
        public var filesPerS: Double
        public var chunksPerS: Double
        /// PDF pages read (0 for other formats).
        public var pages: Int
        public var pagesPerS: Double
        public var redactions: [String: Int]
        public var peakRssMb: Double
    }

    /// Ingests `paths` into `store` without embedding; the summary (with its problems) and the rates.
    public static func run(paths: [String], store: IndexStore, chunker: Chunker,
                           redact: Set<RedactionKind> = []) throws -> (summary: IngestSummary, result: Result) {
        var options = IngestOptions()
        options.embed = false
        options.redact = redact
        let s = try IngestPipeline(store: store, chunker: chunker, embedder: nil).run(paths: paths, options: options)
        // Bytes of every file looked at, changed or not, so a re-run over an unchanged tree reports its real rate.
        let t = max(s.seconds, 1e-9)
        return (s, Result(
            files: s.files, filesChanged: s.filesChanged, filesUnchanged: s.filesUnchanged, filesFailed: s.filesFailed,
            bytes: s.bytes, chunks: s.chunks, seconds: s.seconds, mbPerS: Double(s.bytes) / 1_048_576 / t,
            filesPerS: Double(s.files) / t, chunksPerS: Double(s.chunks) / t,
            pages: s.pages, pagesPerS: Double(s.pages) / t, redactions: s.redactions, peakRssMb: peakRSSMegabytes()))
    }
}
