/// Retrieval's test fixtures: temporary index files, seeded synthetic vectors, small indexes.
import Foundation
import RAGCore
import Store
import TestSupport

enum Fixture {
    static var encoderDirectory: URL { Paths.encoderDirectory }

    static func temporaryIndexPath(_ name: String) -> String { TestIndex.path(name) }

    /// An index with one document per text and the given vector per chunk (the shared builder in TestSupport).
    static func store(texts: [String], vectors: [[Float]], formats: [DocumentFormat]? = nil, headings: [[String]]? = nil,
                      model: String = "fake/fp32@sha256:0", name: String = "store") throws -> IndexStore {
        try TestIndex.store(texts: texts, vectors: vectors, formats: formats, headings: headings, model: model, name: name)
    }
}
