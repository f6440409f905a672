/// Helpers shared by the loader tests: fixtures next to this file, blocks as (kind, text) pairs.
import Foundation
import RAGCore
@testable import Ingest

enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/loaders")

    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    static func load(_ name: String) throws -> LoadResult {
        try DocumentLoading.load(path: directory.appendingPathComponent(name).path, bytes: bytes(name))
    }
}

func load(_ text: String, path: String) throws -> Document {
    let result = try DocumentLoading.load(path: path, bytes: Array(text.utf8))
    return result.documents[0]
}

extension Block.Kind {
    var short: String {
        switch self {
        case .heading(let level): "h\(level)"
        case .paragraph: "p"
        case .code: "code"
        case .listItem: "li"
        case .tableRow: "tr"
        }
    }
}

extension Document {
    /// "h1:Title", "p:Some text", … for compact expectations.
    var outline: [String] { blocks.map { "\($0.kind.short):\($0.text)" } }
}
