/// Micro-batching of concurrent query embeddings: requests queue up while the encoder runs, and the encoder's own
/// thread takes everything queued (up to `maxBatch` texts) into its next call. No timer, so a lone query waits for
/// nothing; under load one pass over the weights serves many queries (a short query's forward pass is bound by
/// reading ~42 MB of fp32 weights, not by arithmetic).
import Foundation
import Metrics
import RAGCore

final class BatchingEmbedder: Embedder, @unchecked Sendable {  // state is guarded by `condition`
    let base: any Embedder
    var modelID: String { base.modelID }
    var queryCacheID: String { base.queryCacheID }
    var dimension: Int { base.dimension }
    /// Most texts per encoder call.
    let maxBatch: Int
    private let condition = NSCondition()
    private var pending: [Job] = []
    private let batchSize = Recorder(label: "rag_embed_batch_size", aggregate: true)

    final class Job: @unchecked Sendable {
        let texts: [String]
        let done: @Sendable (Result<[[Float]], any Error>) -> Void
        init(_ texts: [String], done: @escaping @Sendable (Result<[[Float]], any Error>) -> Void) {
            self.texts = texts
            self.done = done
        }
    }

    init(base: any Embedder, maxBatch: Int = 64) {
        self.base = base
        self.maxBatch = maxBatch
        let thread = Thread { [weak self] in self?.loop() }
        thread.name = "rag-embed"
        thread.start()
    }

    private func enqueue(_ job: Job) {
        condition.lock()
        pending.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Waits for the queued work and runs it, batch after batch, for the life of the process.
    private func loop() {
        while true {
            condition.lock()
            while pending.isEmpty { condition.wait() }
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
                    j.done(.success(Array(vectors[offset..<offset + j.texts.count])))
                    offset += j.texts.count
                }
            } catch {
                for j in batch { j.done(.failure(error)) }
            }
        }
    }

    /// For async callers (the routes): many can wait at once, which is what makes batches.
    func embedAsync(_ texts: [String]) async throws -> [[Float]] {
        try await withCheckedThrowingContinuation { c in
            enqueue(Job(texts) { c.resume(with: $0) })
        }
    }

    /// The `Embedder` seam for synchronous callers (the retriever on a cache miss).
    func embed(_ texts: [String]) throws -> [[Float]] {
        let semaphore = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: Result<[[Float]], any Error>?
        enqueue(Job(texts) { r in
            result = r
            semaphore.signal()
        })
        semaphore.wait()
        return try result!.get()
    }
}
