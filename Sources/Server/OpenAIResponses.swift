/// The OpenAI-compatible response objects (completions, their stream chunks, models, embeddings) as Codable values,
/// field for field what OpenAI's API returns, so the official clients read them.
import Answering
import Foundation

/// A chat or text completion, or one chunk of its stream (`object` says which).
struct Completion: Encodable {
    struct Message: Encodable { var role = "assistant"; var content: String }
    /// A stream's piece of the assistant message (`{}` on the last chunk).
    struct Delta: Encodable { var role: String?; var content: String? }

    struct Choice: Encodable {
        var index = 0
        var message: Message?
        var delta: Delta?
        var text: String?
        /// null until the last chunk of a stream.
        var finishReason: String?

        enum CodingKeys: String, CodingKey { case index, message, delta, text, finishReason }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(index, forKey: .index)
            try c.encodeIfPresent(message, forKey: .message)
            try c.encodeIfPresent(delta, forKey: .delta)
            try c.encodeIfPresent(text, forKey: .text)
            try c.encode(finishReason, forKey: .finishReason)  // an explicit null, as OpenAI sends
        }
    }

    struct Usage: Encodable {
        var promptTokens: Int
        var completionTokens: Int
        var totalTokens: Int
        init(prompt: Int, completion: Int) {
            promptTokens = prompt
            completionTokens = completion
            totalTokens = prompt + completion
        }
    }

    /// What a retrieval-augmented completion adds to OpenAI's object: the answer id (for feedback) and its sources.
    struct RAG: Encodable {
        struct Citation: Encodable { var n: Int; var chunkId: Int64 }
        struct Source: Encodable { var n: Int; var path: String; var headingPath: String; var score: Double; var cited: Bool }
        var answerId: String
        var citations: [Citation]
        var sources: [Source]
        var truncatedContext: Bool
        var grounded: Bool

        init(_ a: Answer) {
            answerId = a.id
            citations = a.citations.map { Citation(n: $0.n, chunkId: $0.chunkId) }
            sources = a.sources.map { Source(n: $0.n, path: $0.path, headingPath: $0.headingPath, score: $0.score, cited: $0.cited) }
            truncatedContext = a.truncatedContext
            grounded = a.grounded
        }
    }

    var id: String
    var object: String
    var created: Int
    var model: String
    var choices: [Choice]
    var usage: Usage?
    var rag: RAG?
}

/// GET /v1/models.
struct ModelList: Encodable {
    struct Model: Encodable { var id: String; var object = "model"; var created: Int; var ownedBy = "rag" }
    var object = "list"
    var data: [Model]
}

/// POST /v1/embeddings.
struct EmbeddingList: Encodable {
    /// A vector as numbers, or as base64 of its little-endian float32 bytes (`encoding_format: base64`).
    enum Vector: Encodable {
        case float([Double])
        case base64(String)
        func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .float(let v): try c.encode(v)
            case .base64(let s): try c.encode(s)
            }
        }
    }
    struct Embedding: Encodable { var object = "embedding"; var index: Int; var embedding: Vector }
    struct Usage: Encodable { var promptTokens: Int; var totalTokens: Int }
    var object = "list"
    var data: [Embedding]
    var model: String
    var usage: Usage
}
