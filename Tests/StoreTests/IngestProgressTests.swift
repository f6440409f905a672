/// The ingest progress counts PDF pages and archive entries once each: live while files load, and equal to the
/// summary's totals at the end.
import Foundation
import Ingest
import RAGCore
import Store
import Testing

@Suite struct IngestProgressTests {
    struct Words: TokenCounter {
        func tokenCount(_ text: String) -> Int { text.split(whereSeparator: \.isWhitespace).count }
    }

    final class Reports: @unchecked Sendable {  // called from the pipeline's one loop thread
        var all: [IngestProgress] = []
    }

    @Test func progressPagesAndEntriesMatchTheSummary() throws {
        let path = temporaryIndexPath()
        let docs = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent("docs")
        try FileManager.default.createDirectory(at: docs, withIntermediateDirectories: true)
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/documents")
        for name in ["report.pdf", "untitled.pdf", "handbook.docx", "harbour.odt"] {
            try FileManager.default.copyItem(at: fixtures.appendingPathComponent(name), to: docs.appendingPathComponent(name))
        }
        let pipeline = IngestPipeline(store: try IndexStore(path: path), chunker: Chunker(counter: Words()), embedder: nil)
        var options = IngestOptions()
        options.embed = false
        let reports = Reports()
        let summary = try pipeline.run(paths: [docs.path], options: options) { reports.all.append($0) }
        let last = try #require(reports.all.last)
        #expect(summary.pages >= 4 && summary.entries > 0)
        #expect(last.pages == summary.pages && last.entries == summary.entries, "progress \(last.pages)/\(last.entries), summary \(summary.pages)/\(summary.entries)")
    }
}
