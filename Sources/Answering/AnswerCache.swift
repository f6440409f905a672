/// The answer cache: answers keyed by the normalised question and every parameter that shapes them, valid for
/// one index generation (any ingest that changes content invalidates them all).
import Foundation
import RAGCore
import Store

public struct AnswerCache: @unchecked Sendable {
    let store: IndexStore

    public init(store: IndexStore) { self.store = store }

    /// "What is  rag?" and "what is rag" are one question.
    public static func normalise(_ question: String) -> String {
        let words = question.lowercased().split(whereSeparator: { $0.isWhitespace })
        var s = words.joined(separator: " ")
        while let last = s.last, last == "?" || last == "." || last == "!" { s.removeLast() }
        return s
    }

    public static func key(question: String, parameters: [String: String]) -> String {
        var text = normalise(question)
        for k in parameters.keys.sorted() { text += "\u{1F}\(k)=\(parameters[k]!)" }
        return ContentHash.sha256Hex(text)
    }

    public func get(_ key: String) throws -> Data? {
        let generation = try store.generation()
        let stmt = try store.db.prepare("SELECT answer FROM answer_cache WHERE key = ? AND generation = ?")
        try stmt.bind([.text(key), .int(Int64(generation))])
        guard try stmt.step() else { return nil }
        return Data(stmt.blob(0))
    }

    public func put(_ key: String, _ answer: Data) throws {
        let generation = try store.generation()
        try store.db.transaction {
            // Answers of older generations can never be served again.
            try store.db.prepare("DELETE FROM answer_cache WHERE generation <> ?").run([.int(Int64(generation))])
            try store.db.prepare("INSERT OR REPLACE INTO answer_cache(key, generation, answer, created_at) VALUES (?, ?, ?, ?)")
                .run([.text(key), .int(Int64(generation)), .blob(Array(answer)), .double(Date().timeIntervalSince1970)])
        }
    }
}
