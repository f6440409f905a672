/// The evaluation commands' shared first step: ingest the corpus through the normal pipeline (unchanged files are
/// reused), report problems, and fail only when nothing at all could be read.
import ArgumentParser
import Foundation
import Encoder
import Ingest
import RAGCore
import Store

enum EvalCorpusIngest {
    /// `Indexes/eval-<folder>-<file stem>.sqlite`: one index per evaluation corpus, reused while it is unchanged.
    static func defaultIndexPath(corpus: String) -> String {
        let stem = ((corpus as NSString).lastPathComponent as NSString).deletingPathExtension
        let dataset = ((corpus as NSString).deletingLastPathComponent as NSString).lastPathComponent
        return "Indexes/eval-\(dataset.isEmpty ? stem : dataset + "-" + stem).sqlite"
    }

    static func run(corpus: String, store: IndexStore, models: ModelLoader, embedder: (any Embedder)?, quiet: Bool) throws {
        let pipeline = IngestPipeline(store: store, chunker: Chunker(counter: try models.wordPiece()), embedder: embedder)
        var options = IngestOptions()
        options.embed = embedder != nil
        let reporter = ProgressReporter(enabled: !quiet)
        let summary = try pipeline.run(paths: [corpus], options: options, progress: reporter.update)
        reporter.finish()
        if !summary.problems.isEmpty {
            for p in summary.problems { printError("rag: \(p.message)") }
            if summary.documents == 0 && summary.filesUnchanged == 0 { throw ExitCode(1) }
        }
    }
}
