/// A sentence-transformers BERT encoder (all-MiniLM-L6-v2 and its kin): WordPiece → BERT → pooling → L2 norm,
/// batched and run on every core.
import Dispatch
import Foundation
import Kernels
import RAGCore
import Tokenizers

public final class MiniLMEncoder: Embedder, @unchecked Sendable {
    // Immutable after init; each `embed` call owns its workspaces, so concurrent calls are safe.
    public let tokenizer: WordPieceTokenizer
    public let config: BertConfiguration
    public let pooling: PoolingConfiguration
    public let precision: EncoderPrecision
    /// sha256 of model.safetensors.
    public let weightsSHA256: String
    /// "<model folder>/<precision>@sha256:<weights digest>": vectors of different weights or precision never mix.
    public let modelID: String
    public var dimension: Int { config.hiddenSize }
    /// Parallel workers; each runs whole batches with single-threaded BLAS (see `init`).
    public let workers: Int
    /// Packed tokens per batch: big enough for sgemm to run near peak, small enough for the activations
    /// (about 9 KB per token with a 1536-wide feed-forward) to stay well inside memory limits.
    public let maxBatchTokens: Int
    /// Longest sequence, [CLS] and [SEP] included.
    public let maxSequenceLength: Int
    let model: BertModel

    /// Loads the tokenizer, config, pooling modules and weights in `directory` (the sentence-transformers layout).
    ///
    /// Parallelism: OpenBLAS is set to one thread and `workers` (default: the active cores) Swift threads each take
    /// whole batches. Every op — the big projections, per-sequence attention, LayerNorm, GELU — then runs on both
    /// cores with no synchronisation inside a batch; OpenBLAS threading would parallelise only the large sgemms and
    /// leave the many small attention products and the element-wise ops on one core.
    ///
    /// `patch`: a change applied to the weights in memory before use (a fine-tuned variant stored as a delta); its id
    /// becomes part of `modelID`.
    public init(directory: URL, precision: EncoderPrecision = .fp32, workers: Int? = nil,
                maxBatchTokens: Int = 4096, patch: EncoderWeightsPatch? = nil) throws {
        try KernelSelection.ensureChosen()
        tokenizer = try WordPieceTokenizer(directory: directory)
        config = try BertConfiguration(directory: directory)
        pooling = try PoolingConfiguration(directory: directory)
        self.precision = precision
        let weightsPath = directory.appendingPathComponent("model.safetensors").path
        let file = try SafeTensorsFile(path: weightsPath, writable: patch != nil)
        // The checkpoint's own digest (cached by path), taken before a patch changes the bytes in memory.
        weightsSHA256 = WeightsHash.sha256(of: file)
        try patch?.apply(file, config)
        model = try BertModel(config: config, file: file, precision: precision)
        guard tokenizer.vocabularySize <= config.vocabularySize else {
            throw RAGError.unsupported(directory.path,
                "vocab.txt has \(tokenizer.vocabularySize) tokens but config.json says vocab_size \(config.vocabularySize)")
        }
        modelID = "\(directory.lastPathComponent)/\(precision.rawValue)@sha256:\(weightsSHA256)" + (patch.map { "+\($0.id)" } ?? "")
        maxSequenceLength = min(tokenizer.configuration.maxLength, config.maxPositions)
        self.maxBatchTokens = max(maxBatchTokens, maxSequenceLength)
        self.workers = max(1, workers ?? ProcessInfo.processInfo.activeProcessorCount)
        if self.workers > 1 { BLASRuntime.setThreads(1) }
    }

    /// Token ids the encoder runs on: [CLS] … [SEP], truncated to `maxSequenceLength`.
    public func tokenize(_ text: String) -> [Int32] {
        tokenizer.encode(text, maxLength: maxSequenceLength)
    }

    /// L2-normalised (per modules.json) sentence vectors, one per text, in order.
    public func embed(_ texts: [String]) throws -> [[Float]] {
        embed(tokenized: texts.map(tokenize))
    }

    /// Sentence vectors of the first `layers` encoder layers only (pooled and normalised as the full vectors are):
    /// the input of a distilled query encoder.
    public func embed(_ texts: [String], layers: Int) -> [[Float]] {
        embed(tokenized: texts.map(tokenize), layers: layers)
    }

    /// Vectors for already tokenized texts (each with specials, at most `maxSequenceLength` ids); `layers` runs only
    /// the first that many encoder layers (nil: all).
    public func embed(tokenized sequences: [[Int32]], layers: Int? = nil) -> [[Float]] {
        let dim = config.hiddenSize
        guard !sequences.isEmpty else { return [] }
        let sequences = sequences.map { ids in
            ids.count <= maxSequenceLength ? ids : Array(ids.prefix(maxSequenceLength - 1)) + [tokenizer.sepID]
        }
        // Longest first, batched greedily by packed tokens: big batches start first so the workers finish together.
        let order = sequences.indices.sorted { sequences[$0].count > sequences[$1].count }
        var grouped: [[Int]] = []
        var current: [Int] = []
        var tokens = 0
        for index in order {
            let n = max(1, sequences[index].count)
            if tokens + n > maxBatchTokens && !current.isEmpty {
                grouped.append(current)
                current = []
                tokens = 0
            }
            current.append(index)
            tokens += n
        }
        if !current.isEmpty { grouped.append(current) }
        let batches = grouped

        let output = UnsafeMutablePointer<Float>.allocate(capacity: sequences.count * dim)
        defer { output.deallocate() }
        let shared = SharedOutput(pointer: output)
        let next = WorkCounter()
        let workerCount = min(workers, batches.count)
        let largest = batches.map { $0.reduce(0) { $0 + max(1, sequences[$1].count) } }.max() ?? 1
        let longest = sequences.map(\.count).max() ?? 1
        DispatchQueue.concurrentPerform(iterations: workerCount) { _ in
            let workspace = BertWorkspace(config: config, maxTokens: largest, maxSequence: max(longest, 1))
            while let b = next.take(below: batches.count) {
                run(batch: batches[b].map { (index: $0, ids: sequences[$0]) }, workspace: workspace, output: shared.pointer, layers: layers)
            }
        }
        return (0..<sequences.count).map { Array(UnsafeBufferPointer(start: output + $0 * dim, count: dim)) }
    }

    private func run(batch: [(index: Int, ids: [Int32])], workspace: BertWorkspace, output: UnsafeMutablePointer<Float>,
                     layers: Int? = nil) {
        let dim = config.hiddenSize
        // An empty id list cannot occur (the tokenizer always adds [CLS] and [SEP]); guard anyway with a lone [SEP].
        let seqs = batch.map { $0.ids.isEmpty ? [tokenizer.sepID] : $0.ids }
        model.forward(seqs, workspace: workspace, layerLimit: layers)
        var row = 0
        for (k, item) in batch.enumerated() {
            let n = seqs[k].count
            let hidden = UnsafePointer(workspace.hidden + row * dim)
            let dst = output + item.index * dim
            switch pooling.mode {
            case .mean, .meanSqrtLength:
                Rows.mean(rows: n, cols: dim, x: hidden, out: dst)
                if pooling.mode == .meanSqrtLength {
                    let f = Float(n).squareRoot()
                    for c in 0..<dim { dst[c] *= f }
                }
            case .cls:
                for c in 0..<dim { dst[c] = hidden[c] }
            case .max:
                for c in 0..<dim { dst[c] = hidden[c] }
                for r in 1..<max(n, 1) { for c in 0..<dim { dst[c] = max(dst[c], hidden[r * dim + c]) } }
            }
            if pooling.normalize { Rows.l2Normalize(dst, count: dim) }
            row += n
        }
    }
}

extension MiniLMEncoder {
    /// Hidden states of one sequence (ids with specials, at most `config.maxPositions`) after each encoder layer in
    /// `layers` (0-based; the last is `config.layers - 1`), each `ids.count × hidden` row-major, in `layers`' order.
    /// `tokenTypes` (same length as `ids`) gives the segment of each token for a sentence pair (0, then 1).
    /// Runs on the calling thread with its own workspace (safe to call concurrently).
    public func tokenStates(_ ids: [Int32], tokenTypes: [Int32]? = nil, layers: [Int]) throws -> [[Float]] {
        guard !ids.isEmpty, ids.count <= config.maxPositions else {
            throw RAGError.invalidParameter("ids", "must hold 1…\(config.maxPositions) tokens, not \(ids.count)")
        }
        if let tokenTypes, tokenTypes.count != ids.count {
            throw RAGError.invalidParameter("tokenTypes", "has \(tokenTypes.count) entries for \(ids.count) tokens")
        }
        let h = config.hiddenSize, n = ids.count
        let workspace = BertWorkspace(config: config, maxTokens: n, maxSequence: n)
        var out = [[Float]](repeating: [], count: layers.count)
        model.forward([ids], workspace: workspace, tokenTypes: tokenTypes.map { [$0] }) { index, hidden in
            for (k, l) in layers.enumerated() where l == index {
                out[k] = Array(UnsafeBufferPointer(start: hidden, count: n * h))
            }
        }
        return out
    }
}

/// A change to an encoder's weights made in memory at load, before the model is built: a fine-tuned variant stored
/// as a small delta over the checkpoint (the span reader's low-rank adapters). `apply` gets the checkpoint opened
/// writable (private copy-on-write pages; the file is never written) and its configuration.
public struct EncoderWeightsPatch: Sendable {
    /// Names the change in `MiniLMEncoder.modelID` (e.g. the delta file's digest).
    public let id: String
    public let apply: @Sendable (SafeTensorsFile, BertConfiguration) throws -> Void

    public init(id: String, apply: @escaping @Sendable (SafeTensorsFile, BertConfiguration) throws -> Void) {
        self.id = id
        self.apply = apply
    }
}

/// The output buffer, written by workers at disjoint rows.
private struct SharedOutput: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
}
