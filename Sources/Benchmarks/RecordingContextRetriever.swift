/// A `ContextRetriever` that passes every call through and keeps the first result since it was last taken, so an evaluation can score the
/// retrieval behind an answer (gold-passage hits) without the answer engine exposing it.
import Answering
import Foundation
import Retrieval

public final class RecordingContextRetriever: ContextRetriever, @unchecked Sendable {
    let base: any ContextRetriever
    // The engine may call from any task; the lock keeps the hand-over to the evaluation loop whole.
    private let lock = NSLock()
    private var recorded: RetrievalResult?

    public init(_ base: any ContextRetriever) {
        self.base = base
    }

    public func retrieve(_ question: String, _ search: SearchParameters) throws -> RetrievalResult {
        let result = try base.retrieve(question, search)
        lock.withLock { if recorded == nil { recorded = result } }
        return result
    }

    /// The question's retrieval: the first result since the previous `take()` (an engine that searches again for
    /// the same question does not replace it), and forgets it.
    public func take() -> RetrievalResult? {
        lock.withLock {
            defer { recorded = nil }
            return recorded
        }
    }
}
