/// The mutable per-sequence state of a Llama model: the KV cache and the scratch buffers of one forward chunk.
import Kernels

public final class LlamaState: @unchecked Sendable {  // used by one generation at a time (the engine serialises)
    public let config: LlamaConfig
    /// Positions the KV cache can hold.
    public let contextLength: Int
    /// Most tokens one forward pass takes at once (prefill runs in chunks of this size).
    public let chunk: Int
    public let threads: Int
    /// Tokens whose keys and values are in the cache, position by position.
    public internal(set) var cachedTokens: [Int32] = []
    /// Leading cached positions computed as prompt (`forward(…, promptSlices: true)` or copied from such): the
    /// only ones a later prompt reuses, so its cache holds exactly what computing it afresh would (decode steps
    /// round differently from prompt chunks).
    public internal(set) var promptPositions = 0

    // KV cache in f16 as llama.cpp keeps it; memory is touched only as positions fill.
    let keyCache: UnsafeMutablePointer<UInt16>    // (layers, contextLength, kvDim)
    let valueCache: UnsafeMutablePointer<UInt16>  // (layers, contextLength, kvDim)
    let x: UnsafeMutablePointer<Float>           // (chunk, dim) residual stream
    let qkv: UnsafeMutablePointer<Float>         // (chunk, dim + 2·kvDim): q | k | v per token
    let att: UnsafeMutablePointer<Float>         // (chunk, dim) attention output, heads concatenated
    let proj: UnsafeMutablePointer<Float>        // (chunk, dim) output of wo / down before the residual add
    let hb: UnsafeMutablePointer<Float>          // (chunk, hiddenDim) gate, then silu(gate)·up
    let hb2: UnsafeMutablePointer<Float>         // (chunk, hiddenDim) up
    let ropeCos: UnsafeMutablePointer<Float>     // (chunk, headDim/2)
    let ropeSin: UnsafeMutablePointer<Float>     // (chunk, headDim/2)
    public let logits: UnsafeMutablePointer<Float>  // (vocab) of the last token of the last forward
    // Per thread: activations quantised for the thread's own matrix rows, a norm scratch and attention scores.
    let actDim: [Q8Activations]                  // threads × (chunk, dim)
    let actHidden: [Q8Activations]               // threads × (chunk, hiddenDim)
    let normScratch: UnsafeMutablePointer<Float> // (threads, dim)
    let scores: UnsafeMutablePointer<Float>      // (threads, contextLength)

    public init(config c: LlamaConfig, contextLength: Int, chunk: Int = 128, threads: Int) {
        self.config = c
        self.contextLength = contextLength
        self.chunk = chunk
        self.threads = threads
        let kvCount = c.layers * contextLength * c.kvDim
        keyCache = .allocate(capacity: kvCount)
        valueCache = .allocate(capacity: kvCount)
        func buf(_ n: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: n)
            p.initialize(repeating: 0, count: n)
            return p
        }
        x = buf(chunk * c.dim)
        qkv = buf(chunk * (c.dim + 2 * c.kvDim))
        att = buf(chunk * c.dim)
        proj = buf(chunk * c.dim)
        hb = buf(chunk * c.hiddenDim)
        hb2 = buf(chunk * c.hiddenDim)
        ropeCos = buf(chunk * c.headDim / 2)
        ropeSin = buf(chunk * c.headDim / 2)
        logits = buf(c.vocabSize)
        actDim = (0..<threads).map { _ in Q8Activations(capacityRows: chunk, columns: c.dim) }
        actHidden = (0..<threads).map { _ in Q8Activations(capacityRows: chunk, columns: c.hiddenDim) }
        normScratch = buf(threads * c.dim)
        scores = buf(threads * contextLength)
    }

    deinit {
        keyCache.deallocate()
        valueCache.deallocate()
        for p in [x, qkv, att, proj, hb, hb2, ropeCos, ropeSin, logits, normScratch, scores] {
            p.deallocate()
        }
    }

    /// Forgets cached positions from `count` on (the cache contents stay; they are overwritten when reused).
    public func truncate(to count: Int) {
        if count < cachedTokens.count { cachedTokens.removeLast(cachedTokens.count - count) }
        promptPositions = min(promptPositions, count)
    }
}
