/// Loads the PDF, office and e-book fixtures that scripts/make-fixtures wrote under Tests/Fixtures/documents.
import Foundation
import RAGCore
@testable import Ingest

enum DocumentFixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/documents")

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    static func load(_ name: String) throws -> LoadResult {
        try DocumentLoading.load(path: path(name))
    }

    /// The block holding `sentence` and the headings above it, as the chunker would see them.
    static func headingPath(of sentence: String, in document: Document) -> [String]? {
        let chunks = Chunker(config: try! ChunkerConfig(maxTokens: 200, overlapTokens: 0), counter: WordCounter()).chunk(document)
        return chunks.first { $0.text.contains(sentence) }?.headingPath
    }
}
