/// Micro-batching of concurrent query embeddings: callers that arrive while the encoder is busy queue up, and the
/// next of them to run embeds the whole queue in one encoder call. No timer, so a lone query waits for nothing.
import Foundation
import Metrics
import RAGCore

final class BatchingEmbedder: Embedder, @unchecked Sendable {  // state is guarded by `condition`
    let base: any Embedder
    var modelID: String { base.modelID }
    var dimension: Int { base.dimension }
    /// Most texts per encoder call.
    let maxBatch: Int
    private let condition = NSCondition()
    private var pending: [Job] = []
    private var busy = false
    private let batchSize = Recorder(label: "rag_embed_batch_size", aggregate: true)

    final class Job {
        let texts: [String]
        var vectors: [[Float]]?
        var error: (any Error)?
        var done = false
        init(_ texts: [String]) { self.texts = texts }
    }

    init(base: any Embedder, maxBatch: Int = 64) {
        self.base = base
        self.maxBatch = maxBatch
    }

    func embed(_ texts: [String]) throws -> [[Float]] {
        // Big requests (a long /v1/embeddings list) go straight through: batching buys them nothing.
        if texts.count >= maxBatch { return try base.embed(texts) }
        let job = Job(texts)
        condition.lock()
        pending.append(job)
        while !job.done {
            if busy {
                condition.wait()
                continue
            }
            busy = true
            var batch: [Job] = []
            var n = 0
            while let first = pending.first, batch.isEmpty || n + first.texts.count <= maxBatch {
                batch.append(pending.removeFirst())
                n += first.texts.count
            }
            condition.unlock()
            batchSize.record(n)
            do {
                let vectors = try base.embed(batch.flatMap(\.texts))
                var offset = 0
                for j in batch {
                    j.vectors = Array(vectors[offset..<offset + j.texts.count])
                    offset += j.texts.count
                }
            } catch {
                for j in batch { j.error = error }
            }
            condition.lock()
            for j in batch { j.done = true }
            busy = false
            condition.broadcast()
        }
        condition.unlock()
        if let e = job.error { throw e }
        return job.vectors ?? []
    }
}
