/// An `Embedder` over OpenAI-compatible /v1/embeddings servers (`--encoder openai:URL[,URL…]`): texts go out in
/// batched requests, several at once, each to the least busy healthy server of the pool; a request whose server
/// fails is sent to another (embedding is idempotent, so any failure short of a rejected request may be retried).
import Foundation
import RAGCore

public final class RemoteEmbedder: Embedder, @unchecked Sendable {  // immutable after init; the pool locks its own state
    public struct Options: Sendable {
        /// Most texts per request (rag serve embeds 32 per encoder call; TEI's default batch limit is 32 too).
        public var batchTexts = 32
        /// Most UTF-8 bytes of text per request (rag serve refuses bodies over 1 MiB by default).
        public var batchBytes = 256 << 10
        /// Requests in flight per server: one being embedded and one waiting keeps a server busy without gaps.
        public var requestsPerBackend = 2
        /// Passes over the whole pool before a request gives up; between passes it waits (`retryDelay` × pass),
        /// which gives the health checker time to put a restarted server back.
        public var passes = 4
        public var retryDelay: Duration = .milliseconds(250)
        public init() {}
    }

    public let pool: LeastBusyPool<OpenAIEmbeddingBackend>
    /// What the index records: the local encoder's id when a probe showed the servers compute the same vectors,
    /// else "openai:<model>" (see `connect`).
    public let modelID: String
    public let dimension: Int
    public let options: Options
    /// The probe's cosine to the local encoder's vector (nil: no local encoder to compare with).
    public let probeCosine: Double?

    init(pool: LeastBusyPool<OpenAIEmbeddingBackend>, modelID: String, dimension: Int, options: Options, probeCosine: Double?) {
        self.pool = pool
        self.modelID = modelID
        self.dimension = dimension
        self.options = options
        self.probeCosine = probeCosine
    }

    public var urls: [String] { pool.members.map(\.endpoint.description) }

    /// The synchronous `Embedder` seam (the ingest pipeline, the retriever, the server's micro-batcher thread).
    public func embed(_ texts: [String]) throws -> [[Float]] {
        guard !texts.isEmpty else { return [] }
        return try BlockingBridge.wait { try await self.embedAsync(texts) }
    }

    public func embedAsync(_ texts: [String]) async throws -> [[Float]] {
        let batches = Self.batches(texts, maxTexts: options.batchTexts, maxBytes: options.batchBytes)
        let results = ResultSlots(count: batches.count)
        let next = WorkCounter()
        let workers = min(batches.count, max(1, options.requestsPerBackend * pool.members.count))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<workers {
                group.addTask {
                    while let b = next.take(below: batches.count) {
                        let range = batches[b]
                        results.set(b, try await self.embedBatch(Array(texts[range]), expectedDimension: self.dimension))
                    }
                }
            }
            try await group.waitForAll()
        }
        return results.all.flatMap { $0 }
    }

    /// One request, tried on the least busy server, then on the others, for up to `options.passes` passes.
    func embedBatch(_ texts: [String], expectedDimension: Int?) async throws -> [[Float]] {
        try await Self.embedBatch(texts, pool: pool, options: options, expectedDimension: expectedDimension).vectors
    }

    static func embedBatch(_ texts: [String], pool: LeastBusyPool<OpenAIEmbeddingBackend>, options: Options,
                           expectedDimension: Int?) async throws -> OpenAIEmbeddingBackend.Reply {
        var lastError: (any Error)?
        for pass in 0..<max(1, options.passes) {
            if pass > 0 { try await Task.sleep(for: options.retryDelay * pass) }
            var tried = Set<Int>()
            while let i = pool.acquire(excluding: tried) {
                tried.insert(i)
                do {
                    let reply = try await pool.members[i].embed(texts)
                    if let expectedDimension, let bad = reply.vectors.first(where: { $0.count != expectedDimension }) {
                        throw RAGError(.backendError, "\(pool.members[i].endpoint)/v1/embeddings returned a vector of \(bad.count) numbers, not \(expectedDimension)")
                    }
                    pool.release(i, failed: false)
                    return reply
                } catch let e as RAGError where e.code == .busy {
                    // Loaded, not broken: another server (or a later pass) takes the batch.
                    pool.release(i, failed: false)
                    lastError = e
                } catch let e as RAGError where [RAGError.Code.connectionFailed, .backendError, .backendTimeout].contains(e.code) {
                    pool.release(i, failed: true)
                    pool.setHealthy(i, false)
                    lastError = e
                } catch {
                    pool.release(i, failed: !(error is CancellationError))
                    throw error
                }
            }
        }
        throw RAGError(.noBackend, "no encoder backend answered (\(pool.members.map(\.endpoint.description).joined(separator: ", "))): \(lastError.map { "\($0)" } ?? "none configured")")
    }

    /// Consecutive ranges of `texts` with at most `maxTexts` texts and `maxBytes` bytes each (a longer text alone).
    static func batches(_ texts: [String], maxTexts: Int, maxBytes: Int) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var start = 0, bytes = 0
        for (i, t) in texts.enumerated() {
            let n = t.utf8.count
            if i > start && (i - start >= maxTexts || bytes + n > maxBytes) {
                out.append(start..<i)
                start = i
                bytes = 0
            }
            bytes += n
        }
        if start < texts.count { out.append(start..<texts.count) }
        return out
    }
}

/// Each batch's vectors, written by the worker that embedded it.
private final class ResultSlots: @unchecked Sendable {  // guarded by `lock`
    private let lock = NSLock()
    private var slots: [[[Float]]]
    init(count: Int) { slots = Array(repeating: [], count: count) }
    func set(_ i: Int, _ v: [[Float]]) { lock.withLock { slots[i] = v } }
    var all: [[[Float]]] { lock.withLock { slots } }
}
