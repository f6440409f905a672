/// The Llama forward pass: embeddings, RMSNorm, RoPE, grouped-query attention over the KV cache, SwiGLU, output head.
///
/// One forward call runs on the worker pool as a single job: each thread takes a share of matrix rows (or of heads
/// in attention) and the threads meet at five barriers per layer. The numerics follow llama.cpp's x86 CPU build
/// operation for operation (activations quantised to 8 bits per block of 32 before every quantised product, an f16
/// KV cache, q and attention probabilities in f16, its reduction orders, FMA contractions and vectorised exp), so
/// the logits agree bit for bit with the fixture; the model is chaotic enough under 8-bit activations that merely
/// reordering one 64-term sum moves top logits by 0.3, so "close" numerics would not do.
#if canImport(Glibc)
import RAGCore
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Kernels

public final class LlamaModel: Sendable {
    public let config: LlamaConfig
    public let weights: LlamaWeights
    let pool: WorkerPool

    /// Opens `path`, reads the config and views the weights. `threads` is the most threads a forward pass uses.
    public init(path: String, threads: Int = 2) throws {
        try KernelSelection.ensureChosen()
        let file = try GGUFFile(path: path)
        config = try LlamaConfig(gguf: file)
        weights = try LlamaWeights(file: file, config: config)
        pool = WorkerPool(threads: threads)
    }

    public var maxThreads: Int { pool.maxThreads }

    public func makeState(contextLength: Int? = nil, chunk: Int = 128) -> LlamaState {
        LlamaState(config: config, contextLength: min(contextLength ?? config.contextLength, config.contextLength),
                   chunk: chunk, threads: pool.maxThreads)
    }

    /// Runs `tokens` at positions `state.cachedTokens.count…` and appends them to the cache.
    /// Returns the logits of the last token (in `state.logits`) when `computeLogits`. With `promptSlices` a chunk of
    /// one token also takes the multi-token attention kernel, so the cache a prompt leaves does not depend on how it
    /// was sliced (the scheduler slices prompts by what else is running); otherwise one token is a decode step.
    public func forward(_ tokens: [Int32], state: LlamaState, threads: Int, computeLogits: Bool = true, promptSlices: Bool = false) throws {
        guard !tokens.isEmpty else { return }
        guard state.cachedTokens.count + tokens.count <= state.contextLength else {
            throw RAGError(.contextOverflow, "\(state.cachedTokens.count + tokens.count) tokens exceed the context of \(state.contextLength)")
        }
        for t in tokens where t < 0 || Int(t) >= config.vocabSize {
            throw RAGError.invalidParameter("token", "id \(t) outside the vocabulary 0..<\(config.vocabSize)")
        }
        var start = 0
        while start < tokens.count {
            let end = min(start + state.chunk, tokens.count)
            let slice = Array(tokens[start..<end])
            let last = end == tokens.count
            forwardChunk(slice, startPos: state.cachedTokens.count, state: state,
                         threads: min(threads, state.threads), logits: computeLogits && last, singleToken: slice.count == 1 && !promptSlices)
            if promptSlices && state.promptPositions == state.cachedTokens.count { state.promptPositions += slice.count }
            state.cachedTokens.append(contentsOf: slice)
            start = end
        }
    }

    private func forwardChunk(_ tokens: [Int32], startPos: Int, state s: LlamaState, threads: Int, logits: Bool, singleToken: Bool) {
        let c = config, w = weights
        let T = tokens.count
        let dim = c.dim, hd = c.headDim, kvDim = c.kvDim, hidden = c.hiddenDim
        let qkvStride = dim + 2 * kvDim
        let ctx = s.contextLength
        let group = c.heads / c.kvHeads
        let unitsQ = c.heads, unitsKV = c.kvHeads
        let scale = 1 / Float(hd).squareRoot()
        for t in 0..<T {
            ropeTable(pos: startPos + t, headDim: hd, base: c.ropeBase, cos: s.ropeCos + t * hd / 2, sin: s.ropeSin + t * hd / 2)
        }
        let toks = tokens
        pool.run(threads: threads) { ctxw in
            let me = ctxw.index
            let actDim = s.actDim[me], actHidden = s.actHidden[me]
            let tmp = s.normScratch + me * dim
            let scores = s.scores + me * ctx

            // Embedding lookup: dequantise each token's row.
            for t in ctxw.share(T) {
                let e = w.tokenEmbedding
                dequantizeRow(e.format, e.base + Int(toks[t]) * e.rowBytes, into: s.x + t * dim, columns: dim)
            }
            ctxw.barrier()

            for l in 0..<c.layers {
                let lw = w.layers[l]
                let kLayer = s.keyCache + l * ctx * kvDim, vLayer = s.valueCache + l * ctx * kvDim

                // Attention input: every thread normalises and quantises all T tokens for its own rows.
                for t in 0..<T {
                    rmsNorm(s.x + t * dim, weight: lw.attnNorm, out: tmp, n: dim, eps: c.normEps)
                    actDim.quantize(row: t, from: tmp)
                }
                // q, k, v by whole heads, so each thread can rotate and cache the heads it computed.
                for u in ctxw.share(unitsQ + 2 * unitsKV) {
                    if u < unitsQ {
                        lw.wq.multiply(rows: u * hd..<(u + 1) * hd, act: actDim, tokens: 0..<T, out: s.qkv, outStride: qkvStride)
                        for t in 0..<T {
                            let q = s.qkv + t * qkvStride + u * hd
                            rope(q, heads: 1, headDim: hd, cos: s.ropeCos + t * hd / 2, sin: s.ropeSin + t * hd / 2)
                        }
                    } else if u < unitsQ + unitsKV {
                        let g = u - unitsQ
                        lw.wk.multiply(rows: g * hd..<(g + 1) * hd, act: actDim, tokens: 0..<T, out: s.qkv + dim, outStride: qkvStride)
                        for t in 0..<T {
                            let k = s.qkv + t * qkvStride + dim + g * hd
                            rope(k, heads: 1, headDim: hd, cos: s.ropeCos + t * hd / 2, sin: s.ropeSin + t * hd / 2)
                            let dst = kLayer + (startPos + t) * kvDim + g * hd
                            storeF16(k, dst, count: hd)
                        }
                    } else {
                        let g = u - unitsQ - unitsKV
                        lw.wv.multiply(rows: g * hd..<(g + 1) * hd, act: actDim, tokens: 0..<T, out: s.qkv + dim + kvDim, outStride: qkvStride)
                        for t in 0..<T {
                            let v = s.qkv + t * qkvStride + dim + kvDim + g * hd
                            let dst = vLayer + (startPos + t) * kvDim + g * hd
                            storeF16(v, dst, count: hd)
                        }
                    }
                }
                ctxw.barrier()

                // Attention, one (head, token) pair at a time.
                for pair in ctxw.share(c.heads * T) {
                    let h = pair / T, t = pair % T
                    let pos = startPos + t
                    let g = h / group
                    attendF16(q: s.qkv + t * qkvStride + h * hd, keys: kLayer + g * hd, values: vLayer + g * hd,
                           stride: kvDim, positions: pos + 1, headDim: hd, scale: scale, scores: scores,
                           out: s.att + t * dim + h * hd, singleToken: singleToken)
                }
                ctxw.barrier()

                // Output projection and residual add, by rows.
                actDim.quantize(rows: 0..<T, from: s.att)
                let oRows = ctxw.share(dim, unit: 16)
                lw.wo.multiply(rows: oRows, act: actDim, tokens: 0..<T, out: s.proj, outStride: dim)
                for t in 0..<T {
                    let xt = s.x + t * dim, pt = s.proj + t * dim
                    for r in oRows { xt[r] += pt[r] }
                }
                ctxw.barrier()

                // Feed-forward: silu(gate) · up, by rows of the hidden layer.
                for t in 0..<T {
                    rmsNorm(s.x + t * dim, weight: lw.ffnNorm, out: tmp, n: dim, eps: c.normEps)
                    actDim.quantize(row: t, from: tmp)
                }
                let hRows = ctxw.share(hidden, unit: 16)
                lw.gate.multiply(rows: hRows, act: actDim, tokens: 0..<T, out: s.hb, outStride: hidden)
                lw.up.multiply(rows: hRows, act: actDim, tokens: 0..<T, out: s.hb2, outStride: hidden)
                for t in 0..<T {
                    swiglu(gate: s.hb + t * hidden + hRows.lowerBound, up: s.hb2 + t * hidden + hRows.lowerBound, n: hRows.count)
                }
                ctxw.barrier()

                actHidden.quantize(rows: 0..<T, from: s.hb)
                let dRows = ctxw.share(dim, unit: 16)
                lw.down.multiply(rows: dRows, act: actHidden, tokens: 0..<T, out: s.proj, outStride: dim)
                for t in 0..<T {
                    let xt = s.x + t * dim, pt = s.proj + t * dim
                    for r in dRows { xt[r] += pt[r] }
                }
                ctxw.barrier()
            }

            if logits {
                let t = T - 1
                rmsNorm(s.x + t * dim, weight: w.outputNorm, out: tmp, n: dim, eps: c.normEps)
                actDim.quantize(row: 0, from: tmp)
                w.output.multiply(rows: ctxw.share(c.vocabSize, unit: 64), act: actDim, tokens: 0..<1, out: s.logits, outStride: 0)
            }
        }
    }
}

