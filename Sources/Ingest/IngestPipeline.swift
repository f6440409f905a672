/// The ingest pipeline: walk → stat (skip unchanged) → read → hash (skip unchanged) → load → chunk → embed → store,
/// one SQLite transaction per batch of files.
import Dispatch
import Foundation
import RAGCore
import Store

public struct IngestOptions: Sendable {
    public var prune: Bool = false
    public var chunker: ChunkerConfig = .default
    /// Files per write transaction; a killed ingest loses at most the batch in flight.
    public var batchFiles: Int = 64
    /// Bytes read per batch before it is written, so memory stays bounded on large trees.
    public var batchBytes: Int = 64 << 20
    /// Files larger than this are refused (a clear error) rather than read into memory.
    public var maxFileBytes: Int64 = 256 << 20
    /// Worker threads for reading, parsing and chunking.
    public var threads: Int = max(1, ProcessInfo.processInfo.activeProcessorCount)
    /// Store chunks without embedding them (keyword search only, and `rag bench ingest`).
    public var embed: Bool = true
    /// Replace the vectors of another encoder (or precision) instead of refusing to mix them.
    public var reembed: Bool = false
    /// Follow symbolic links that lead outside the folders given (`--follow-symlinks`); off by default.
    public var followSymlinks: Bool = false
    /// Limits on the query log, feedback and answer cache, applied at the end of the run (nil: none).
    public var retention: Retention? = Retention()
    /// Personal data replaced by placeholders before chunking (`--redact`); recorded in the index's meta table.
    public var redact: Set<RedactionKind> = []

    public init() {}
}

/// A live view of the ingest for progress bars.
public struct IngestProgress: Sendable {
    public var filesDone: Int
    public var filesTotal: Int
    public var bytesDone: Int64
    public var bytesTotal: Int64
    public var chunks: Int
    public var elapsed: Double
    /// PDF pages and archive entries read so far (long files move these while files done stands still).
    public var pages: Int = 0
    public var entries: Int = 0
}

public struct IngestSummary: Sendable, Codable {
    public var files: Int = 0
    public var filesChanged: Int = 0
    public var filesUnchanged: Int = 0
    public var filesFailed: Int = 0
    public var filesRemoved: Int = 0
    public var documents: Int = 0
    public var chunks: Int = 0
    public var embedded: Int = 0
    public var embeddingCacheHits: Int = 0
    public var bytes: Int64 = 0
    public var seconds: Double = 0
    /// Filled in by the caller that knows the process (the CLI reads /proc/self/status).
    public var peakRssMb: Double = 0
    /// PDF pages and zip entries (office, e-book) read.
    public var pages: Int = 0
    public var entries: Int = 0
    /// Replacements per kind (`email`, `card`, …) when `--redact` is on.
    public var redactions: [String: Int] = [:]
    public var problems: [Problem] = []

    public struct Problem: Sendable, Codable {
        public var path: String
        public var code: String
        public var message: String
    }
}

/// Reads one file's bytes into documents; problems with parts of the file (a bad JSONL line) are returned
/// beside the documents, a failure of the whole file is thrown.
public typealias LoadFunction = @Sendable (_ path: String, _ bytes: [UInt8]) throws -> LoadResult

public final class IngestPipeline: @unchecked Sendable {
    let store: IndexStore
    let chunker: Chunker
    let embedder: (any Embedder)?
    let load: LoadFunction

    public init(store: IndexStore, chunker: Chunker, embedder: (any Embedder)?, load: @escaping LoadFunction = DocumentLoading.load) {
        self.store = store
        self.chunker = chunker
        self.embedder = embedder
        self.load = load
    }

    /// The text a chunk is embedded as: its heading path, then its text (for a BEIR document that is exactly
    /// BEIR's `title + " " + text`).
    public static func embeddingText(_ chunk: Chunk) -> String {
        chunk.headingPath.isEmpty ? chunk.text : chunk.headingPathText + " " + chunk.text
    }

    /// What happened to one file in a batch.
    enum Outcome {
        case unchanged(record: FileRecord, file: WalkedFile)
        case changed(file: WalkedFile, sha256: String, format: DocumentFormat, documents: [PreparedDocument], problems: [RAGError],
                     extras: Extras)
        case failed(RAGError)
    }

    /// Counts of one loaded file beside its documents.
    struct Extras {
        var pages = 0
        var entries = 0
        var redactions: [RedactionKind: Int] = [:]
    }

    public func run(paths: [String], options: IngestOptions, progress: ((IngestProgress) -> Void)? = nil) throws -> IngestSummary {
        let start = Date()
        var summary = IngestSummary()
        let walked = FileWalker(followSymlinks: options.followSymlinks).walk(paths)
        for p in walked.problems { summary.problems.append(.init(path: p.path ?? "", code: p.code.rawValue, message: p.message)) }
        summary.filesFailed += walked.problems.count

        if options.embed, let embedder { try checkEmbeddingModel(embedder, reembed: options.reembed) }
        if !options.redact.isEmpty { try recordRedaction(options.redact) }
        let redactor = Redactor(kinds: options.redact)
        let counter = LoadCounter()

        var known: [String: FileRecord] = [:]
        for r in try store.allFileRecords() { known[r.path] = r }

        // Files whose size and modification time match the index are not even read.
        var todo: [WalkedFile] = []
        for f in walked.files {
            if let r = known[f.path], r.size == f.size, r.mtime == f.mtime {
                summary.filesUnchanged += 1
            } else {
                todo.append(f)
            }
        }
        summary.files = walked.files.count
        let bytesTotal = todo.reduce(Int64(0)) { $0 + $1.size }
        var bytesDone: Int64 = 0
        var filesDone = summary.filesUnchanged
        var changedAny = false

        // Batches of files; while one batch is written (SQLite has one writer), the next is read, parsed and
        // chunked on the worker threads, so the cores are not idle during commits.
        var batches: [[WalkedFile]] = []
        var index = 0
        while index < todo.count {
            var end = index
            var batchBytes = 0
            while end < todo.count && end - index < options.batchFiles && (batchBytes < options.batchBytes || end == index) {
                batchBytes += Int(min(todo[end].size, Int64(Int.max / 2)))
                end += 1
            }
            batches.append(Array(todo[index..<end]))
            index = end
        }
        let prefetch = Prefetch()
        let records = known
        if let first = batches.first {
            prefetch.start { self.process(first, known: records, options: options, redactor: redactor, counter: counter) }
        }
        for (i, batch) in batches.enumerated() {
            // While a batch is loading, the progress line moves with its pages and archive entries.
            var outcomes: [Outcome]?
            while outcomes == nil {
                outcomes = prefetch.wait(timeout: 0.5)
                if outcomes == nil {
                    progress?(IngestProgress(filesDone: filesDone, filesTotal: walked.files.count, bytesDone: bytesDone,
                                             bytesTotal: bytesTotal, chunks: summary.chunks, elapsed: Date().timeIntervalSince(start),
                                             pages: counter.pages, entries: counter.entries))
                }
            }
            if i + 1 < batches.count {
                let next = batches[i + 1]
                prefetch.start { self.process(next, known: records, options: options, redactor: redactor, counter: counter) }
            }
            let written: Bool
            do {
                written = try write(outcomes ?? [], options: options, summary: &summary)
            } catch {
                _ = prefetch.waitIfRunning()
                throw error
            }
            changedAny = changedAny || written
            for f in batch { bytesDone += f.size }
            filesDone += batch.count
            progress?(IngestProgress(filesDone: filesDone, filesTotal: walked.files.count, bytesDone: bytesDone,
                                     bytesTotal: bytesTotal, chunks: summary.chunks, elapsed: Date().timeIntervalSince(start),
                                     pages: counter.pages, entries: counter.entries))
        }

        if options.prune {
            let present = Set(walked.files.map(\.path))
            let roots = paths.map(FileWalker.normalise)
            let gone = known.keys.filter { path in
                !present.contains(path) && roots.contains { root in path == root || path.hasPrefix(root.hasSuffix("/") ? root : root + "/") }
                    && !FileManager.default.fileExists(atPath: path)
            }
            if !gone.isEmpty {
                try store.db.transaction {
                    for path in gone { try store.removeFile(path: path) }
                    try store.bumpGeneration()
                }
                summary.filesRemoved = gone.count
                changedAny = true
            }
        }
        if options.embed, let embedder { try backfillEmbeddings(embedder: embedder, summary: &summary) }
        if changedAny { try? store.db.execute("PRAGMA optimize") }
        // The logs a server writes into this index are trimmed here too; a failure to trim never fails an ingest.
        if let retention = options.retention { _ = try? store.applyRetention(retention) }
        summary.seconds = Date().timeIntervalSince(start)
        return summary
    }

    /// Reads, hashes, loads and chunks a batch on `options.threads` threads.
    func process(_ batch: [WalkedFile], known: [String: FileRecord], options: IngestOptions,
                 redactor: Redactor, counter: LoadCounter) -> [Outcome] {
        let results = UnsafeMutableBufferPointer<Outcome?>.allocate(capacity: batch.count)
        results.initialize(repeating: nil)
        defer { results.deallocate() }
        let slots = SendableBuffer(results)
        let next = AtomicCounter()
        let workers = max(1, min(options.threads, batch.count))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                let i = next.increment()
                if i >= batch.count { break }
                slots.buffer[i] = self.processFile(batch[i], known: known[batch[i].path], options: options,
                                                   redactor: redactor, counter: counter)
            }
        }
        return results.map { $0! }
    }

    func processFile(_ file: WalkedFile, known: FileRecord?, options: IngestOptions,
                     redactor: Redactor = Redactor(kinds: []), counter: LoadCounter = LoadCounter()) -> Outcome {
        let bytes: [UInt8]
        do {
            bytes = try FileReader.read(path: file.path, maxBytes: Int(options.maxFileBytes))
        } catch let e as RAGError {
            // Every problem names its file: an error from below that does not gets this file's path.
            return .failed(e.path != nil ? e : RAGError(e.code, path: file.path, reason: e.message, underlying: e))
        } catch {
            return .failed(RAGError(.unreadable, path: file.path, reason: "\(error)", underlying: error))
        }
        let sha = ContentHash.sha256Hex(bytes)
        if let known, known.sha256 == sha { return .unchanged(record: known, file: file) }
        do {
            // Pages and entries are counted live as the loader reads them; what a loader only reports at the end
            // (or a loader that does not count live) is added then.
            let live = LoadCounter(parent: counter)
            let result = try LoadCounter.$current.withValue(live) { try load(file.path, bytes) }
            counter.add(pages: max(0, result.pages - live.pages), entries: max(0, result.entries - live.entries))
            var extras = Extras(pages: result.pages, entries: result.entries)
            // Redaction happens before chunking, so personal data reaches neither the store nor the encoder.
            let documents = result.documents.map { redactor.redact($0, counts: &extras.redactions) }
            let prepared = documents.map { doc in
                PreparedDocument(document: doc, contentSHA256: result.documents.count == 1 ? sha : ContentHash.sha256Hex(doc.blocks.map(\.text).joined(separator: "\n")),
                                 chunks: chunker.chunk(doc))
            }
            return .changed(file: file, sha256: sha, format: result.format, documents: prepared, problems: result.problems,
                            extras: extras)
        } catch let e as RAGError {
            return .failed(e.path != nil ? e : RAGError(e.code, path: file.path, reason: e.message, underlying: e))
        } catch {
            return .failed(RAGError(.parseError, path: file.path, reason: "\(error)", underlying: error))
        }
    }

    /// Writes one batch in one transaction; returns whether anything changed.
    ///
    /// The vectors are computed before the transaction opens: embedding a batch takes seconds to a minute, and
    /// SQLite's write lock held that long stalled every writer of a running `rag serve` (answer log, caches). The
    /// transaction then only writes, so chunks and their vectors still land together or not at all.
    func write(_ outcomes: [Outcome], options: IngestOptions, summary: inout IngestSummary) throws -> Bool {
        var changed = false
        var local = summary
        var vectors = EmbeddedTexts()
        if options.embed, let embedder {
            var texts: [String] = []
            for case .changed(_, _, _, let documents, _, _) in outcomes {
                for chunk in documents.flatMap(\.chunks) { texts.append(Self.embeddingText(chunk)) }
            }
            vectors = try embedOutsideTransaction(texts, embedder: embedder, summary: &local)
        }
        try store.db.transaction {
            var toEmbed: [(id: Int64, text: String)] = []
            for outcome in outcomes {
                switch outcome {
                case .unchanged(let record, let file):
                    try store.touchFile(id: record.id, size: file.size, mtime: file.mtime)
                    local.filesUnchanged += 1
                case .failed(let e):
                    local.filesFailed += 1
                    local.problems.append(.init(path: e.path ?? "", code: e.code.rawValue, message: e.message))
                case .changed(let file, let sha, let format, let documents, let problems, let extras):
                    for (kind, n) in extras.redactions { local.redactions[kind.rawValue, default: 0] += n }
                    local.pages += extras.pages
                    local.entries += extras.entries
                    let ids = try store.replaceFile(path: file.path, sha256: sha, size: file.size, mtime: file.mtime,
                                                    format: format, documents: documents)
                    for (id, chunk) in zip(ids, documents.flatMap(\.chunks)) { toEmbed.append((id, Self.embeddingText(chunk))) }
                    local.filesChanged += 1
                    local.documents += documents.count
                    local.chunks += ids.count
                    local.bytes += file.size
                    for p in problems { local.problems.append(.init(path: p.path ?? "", code: p.code.rawValue, message: p.message)) }
                    changed = true
                }
            }
            if let embedder, !toEmbed.isEmpty, !vectors.byText.isEmpty {
                try store(toEmbed, vectors, model: embedder.modelID)
            }
            if changed { try store.bumpGeneration() }
        }
        summary = local
        return changed
    }

    /// Embeds chunks stored without a vector (ingested with embedding off, or by a run that was killed before
    /// its vectors were written... which cannot happen, as both share a transaction; or after `--reembed`).
    func backfillEmbeddings(embedder: any Embedder, summary: inout IngestSummary, batch: Int = 512) throws {
        while true {
            let stmt = try store.db.prepare("""
                SELECT c.id, c.heading_path, c.text FROM chunks c LEFT JOIN embeddings e ON e.chunk_id = c.id
                WHERE e.chunk_id IS NULL ORDER BY c.id LIMIT ?
                """)
            try stmt.bind([.int(Int64(batch))])
            var rows: [(id: Int64, text: String)] = []
            while try stmt.step() {
                let heading = stmt.text(1), text = stmt.text(2)
                rows.append((stmt.int(0), heading.isEmpty ? text : heading + " " + text))
            }
            if rows.isEmpty { return }
            var local = summary
            let vectors = try embedOutsideTransaction(rows.map(\.text), embedder: embedder, summary: &local)
            try store.db.transaction { try store(rows, vectors, model: embedder.modelID) }
            summary = local
        }
    }

    /// Records the redacted kinds in the meta table (`redaction`), added to those of earlier runs: an index is
    /// as redacted as its least redacted ingest, so `rag stats` shows every kind any run asked for.
    func recordRedaction(_ kinds: Set<RedactionKind>) throws {
        var all = kinds
        if let current = try store.meta("redaction") { all.formUnion((try? RedactionKind.parseList(current)) ?? []) }
        try store.setMeta("redaction", RedactionKind.listText(all))
    }

    /// Refuses to mix vectors of two encoders in one index; `reembed` drops the old vectors instead.
    public func checkEmbeddingModel(_ embedder: any Embedder, reembed: Bool) throws {
        let current = try store.meta("embedding_model")
        if current == embedder.modelID { return }
        let count = try store.db.scalarInt("SELECT count(*) FROM embeddings") ?? 0
        if let current, count > 0, !reembed {
            throw RAGError(.encoderMismatch, """
                index \(store.path) holds \(count) vectors of encoder \(current), not \(embedder.modelID): \
                pass --reembed to replace them, or use another --index
                """)
        }
        try store.db.transaction {
            try store.db.execute("DELETE FROM embeddings")
            try store.setMeta("embedding_model", embedder.modelID)
            try store.setMeta("embedding_dimension", String(embedder.dimension))
            try store.bumpGeneration()
        }
    }

    /// Vectors of texts by their SHA-256, and which of them were computed now (to be added to the cache).
    struct EmbeddedTexts {
        var byText: [String: [Float]] = [:]
        var computed: Set<String> = []
    }

    /// Vectors for `texts`, from the embedding cache where the same text was embedded by the same model before,
    /// else from the encoder (one call per batch of files: long enough lists for length bucketing and both cores;
    /// identical texts embedded once). Reads only: runs outside any write transaction.
    func embedOutsideTransaction(_ texts: [String], embedder: any Embedder, summary: inout IngestSummary) throws -> EmbeddedTexts {
        var out = EmbeddedTexts()
        var unique: [(text: String, sha: String)] = []
        var hits = 0
        for text in texts {
            let sha = ContentHash.sha256Hex(text)
            // Seen in this batch already (from the cache, or waiting for the encoder): counts as a cache hit.
            if out.byText[sha] != nil || out.computed.contains(sha) { hits += 1; continue }
            if let v = try store.cachedEmbedding(textSHA256: sha, model: embedder.modelID) {
                out.byText[sha] = v
                hits += 1
            } else {
                out.computed.insert(sha)
                unique.append((text, sha))
            }
        }
        if !unique.isEmpty {
            let vectors = try embedder.embed(unique.map(\.text))
            guard vectors.count == unique.count else {
                throw RAGError(.encoderError, "the encoder returned \(vectors.count) vectors for \(unique.count) texts")
            }
            for (u, v) in zip(unique, vectors) {
                guard v.count == embedder.dimension, v.allSatisfy({ $0.isFinite }) else {
                    throw RAGError(.encoderError, "the encoder returned a vector that is not \(embedder.dimension) finite numbers")
                }
                out.byText[u.sha] = v
            }
        }
        summary.embedded += unique.count
        summary.embeddingCacheHits += hits
        return out
    }

    /// Stores the vectors of `items` (inside the caller's write transaction) and caches the newly computed ones.
    func store(_ items: [(id: Int64, text: String)], _ vectors: EmbeddedTexts, model: String) throws {
        var cached = Set<String>()
        for item in items {
            let sha = ContentHash.sha256Hex(item.text)
            guard let v = vectors.byText[sha] else { continue }
            if vectors.computed.contains(sha), cached.insert(sha).inserted {
                try store.cacheEmbedding(textSHA256: sha, model: model, vector: v)
            }
            try store.setEmbedding(chunkID: item.id, vector: v)
        }
    }
}

/// Runs one batch's processing on a background thread while the caller writes the previous batch.
final class Prefetch: @unchecked Sendable {
    // Guarded by `done`: `result` is written by the background thread before it signals and read after waiting.
    private var result: [IngestPipeline.Outcome]?
    private let done = DispatchSemaphore(value: 0)
    private var running = false

    func start(_ work: @escaping @Sendable () -> [IngestPipeline.Outcome]) {
        running = true
        Thread.detachNewThread { [self] in
            self.result = work()
            self.done.signal()
        }
    }

    func wait() -> [IngestPipeline.Outcome] {
        done.wait()
        running = false
        defer { result = nil }
        return result ?? []
    }

    /// The batch when it is ready within `timeout` seconds, else nil (call again).
    func wait(timeout: Double) -> [IngestPipeline.Outcome]? {
        guard done.wait(timeout: .now() + timeout) == .success else { return nil }
        running = false
        defer { result = nil }
        return result ?? []
    }

    func waitIfRunning() -> [IngestPipeline.Outcome]? {
        running ? wait() : nil
    }
}

/// Lets worker threads write disjoint slots of one buffer.
struct SendableBuffer<T>: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<T>
    init(_ buffer: UnsafeMutableBufferPointer<T>) { self.buffer = buffer }
}

/// A shared work index for worker threads.
final class AtomicCounter: @unchecked Sendable {
    private var value = 0
    private let lock = NSLock()
    func increment() -> Int {
        lock.lock(); defer { lock.unlock() }
        let v = value
        value += 1
        return v
    }
}
