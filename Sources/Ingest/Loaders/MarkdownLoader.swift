/// Loads Markdown (placeholder: text paragraphs until the structured parser lands).
import RAGCore

public struct MarkdownLoader: DocumentLoader {
    public init() {}
    public func load(path: String, bytes: [UInt8]) throws -> [Document] {
        [loadDocument(path: path, text: UTF8Repair.string(from: bytes))]
    }
    public func loadDocument(path: String, text: String) -> Document {
        var d = TextLoader().loadDocument(path: path, text: text)
        d.format = .markdown
        return d
    }
}
