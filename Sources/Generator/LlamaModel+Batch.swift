/// The batched decode step: one next token for each of several sequences, each at its own position in its own
/// KV cache, in one pass over the weights.
///
/// Row i of the batch is sequence i's token. The projections and the feed-forward run as multi-row products (each
/// weight block serving several rows), attention per (head, row) over that row's own cache. Every row gets exactly
/// the operations of a single-token `forward` (same per-output kernel operations, the single-token attention), so
/// a sequence's logits are bit for bit the same alone or batched.
import Kernels
import RAGCore

extension LlamaModel {
    /// Runs `tokens[i]` at position `states[i].cachedTokens.count` of `states[i]` and appends it there; each
    /// state's `logits` then holds its row's logits. `scratch` supplies the activation buffers (its `chunk` at
    /// least the batch size, its context at least every state's) and `logits` is (batch, vocab) scratch.
    public func forwardDecodeBatch(_ tokens: [Int32], states: [LlamaState], scratch s: LlamaState,
                                   logits: UnsafeMutablePointer<Float>, threads: Int) throws {
        let B = tokens.count
        guard B > 0 else { return }
        precondition(B == states.count && B <= s.chunk, "batch of \(B) rows exceeds the scratch of \(s.chunk)")
        let c = config, w = weights
        for (t, st) in zip(tokens, states) {
            precondition(st.contextLength <= s.contextLength)
            guard st.cachedTokens.count + 1 <= st.contextLength else {
                throw RAGError(.contextOverflow, "\(st.cachedTokens.count + 1) tokens exceed the context of \(st.contextLength)")
            }
            guard t >= 0 && Int(t) < c.vocabSize else {
                throw RAGError.invalidParameter("token", "id \(t) outside the vocabulary 0..<\(c.vocabSize)")
            }
        }
        let dim = c.dim, hd = c.headDim, kvDim = c.kvDim, hidden = c.hiddenDim, vocab = c.vocabSize
        let qkvStride = dim + 2 * kvDim
        let group = c.heads / c.kvHeads
        let scale = 1 / Float(hd).squareRoot()
        let positions = states.map(\.cachedTokens.count)
        let keyCaches = states.map(\.keyCache), valueCaches = states.map(\.valueCache)
        let contexts = states.map(\.contextLength)
        let scoreStride = s.contextLength
        for t in 0..<B {
            ropeTable(pos: positions[t], headDim: hd, base: c.ropeBase, cos: s.ropeCos + t * hd / 2, sin: s.ropeSin + t * hd / 2)
        }
        let toks = tokens
        pool.run(threads: min(threads, s.threads)) { ctxw in
            let me = ctxw.index
            let actDim = s.actDim[me], actHidden = s.actHidden[me]
            let tmp = s.normScratch + me * dim
            let scores = s.scores + me * scoreStride

            for t in ctxw.share(B) {
                let e = w.tokenEmbedding
                dequantizeRow(e.format, e.base + Int(toks[t]) * e.rowBytes, into: s.x + t * dim, columns: dim)
            }
            ctxw.barrier()

            for l in 0..<c.layers {
                let lw = w.layers[l]
                for t in 0..<B {
                    rmsNorm(s.x + t * dim, weight: lw.attnNorm, out: tmp, n: dim, eps: c.normEps)
                    actDim.quantize(row: t, from: tmp)
                }
                for u in ctxw.share(c.heads + 2 * c.kvHeads) {
                    if u < c.heads {
                        batchMultiply(lw.wq, rows: u * hd..<(u + 1) * hd, act: actDim, batch: B, out: s.qkv, outStride: qkvStride)
                        for t in 0..<B {
                            rope(s.qkv + t * qkvStride + u * hd, heads: 1, headDim: hd, cos: s.ropeCos + t * hd / 2, sin: s.ropeSin + t * hd / 2)
                        }
                    } else if u < c.heads + c.kvHeads {
                        let g = u - c.heads
                        batchMultiply(lw.wk, rows: g * hd..<(g + 1) * hd, act: actDim, batch: B, out: s.qkv + dim, outStride: qkvStride)
                        for t in 0..<B {
                            let k = s.qkv + t * qkvStride + dim + g * hd
                            rope(k, heads: 1, headDim: hd, cos: s.ropeCos + t * hd / 2, sin: s.ropeSin + t * hd / 2)
                            storeF16(k, keyCaches[t] + l * contexts[t] * kvDim + positions[t] * kvDim + g * hd, count: hd)
                        }
                    } else {
                        let g = u - c.heads - c.kvHeads
                        batchMultiply(lw.wv, rows: g * hd..<(g + 1) * hd, act: actDim, batch: B, out: s.qkv + dim + kvDim, outStride: qkvStride)
                        for t in 0..<B {
                            storeF16(s.qkv + t * qkvStride + dim + kvDim + g * hd,
                                     valueCaches[t] + l * contexts[t] * kvDim + positions[t] * kvDim + g * hd, count: hd)
                        }
                    }
                }
                ctxw.barrier()

                for pair in ctxw.share(c.heads * B) {
                    let h = pair / B, t = pair % B
                    let g = h / group
                    let layerOffset = l * contexts[t] * kvDim + g * hd
                    attendF16(q: s.qkv + t * qkvStride + h * hd, keys: keyCaches[t] + layerOffset, values: valueCaches[t] + layerOffset,
                              stride: kvDim, positions: positions[t] + 1, headDim: hd, scale: scale, scores: scores,
                              out: s.att + t * dim + h * hd, singleToken: true)
                }
                ctxw.barrier()

                actDim.quantize(rows: 0..<B, from: s.att)
                let oRows = ctxw.share(dim, unit: 16)
                batchMultiply(lw.wo, rows: oRows, act: actDim, batch: B, out: s.proj, outStride: dim)
                for t in 0..<B {
                    let xt = s.x + t * dim, pt = s.proj + t * dim
                    for r in oRows { xt[r] += pt[r] }
                }
                ctxw.barrier()

                for t in 0..<B {
                    rmsNorm(s.x + t * dim, weight: lw.ffnNorm, out: tmp, n: dim, eps: c.normEps)
                    actDim.quantize(row: t, from: tmp)
                }
                let hRows = ctxw.share(hidden, unit: 16)
                batchMultiply(lw.gate, rows: hRows, act: actDim, batch: B, out: s.hb, outStride: hidden)
                batchMultiply(lw.up, rows: hRows, act: actDim, batch: B, out: s.hb2, outStride: hidden)
                for t in 0..<B {
                    swiglu(gate: s.hb + t * hidden + hRows.lowerBound, up: s.hb2 + t * hidden + hRows.lowerBound, n: hRows.count)
                }
                ctxw.barrier()

                actHidden.quantize(rows: 0..<B, from: s.hb)
                let dRows = ctxw.share(dim, unit: 16)
                batchMultiply(lw.down, rows: dRows, act: actHidden, batch: B, out: s.proj, outStride: dim)
                for t in 0..<B {
                    let xt = s.x + t * dim, pt = s.proj + t * dim
                    for r in dRows { xt[r] += pt[r] }
                }
                ctxw.barrier()
            }

            for t in 0..<B {
                rmsNorm(s.x + t * dim, weight: w.outputNorm, out: tmp, n: dim, eps: c.normEps)
                actDim.quantize(row: t, from: tmp)
            }
            batchMultiply(w.output, rows: ctxw.share(vocab, unit: 64), act: actDim, batch: B, out: logits, outStride: vocab)
        }
        for (t, st) in states.enumerated() {
            st.cachedTokens.append(tokens[t])
            st.logits.update(from: logits + t * vocab, count: vocab)
        }
    }
}

/// Rows of a weight tile that stays in L1/L2 while each batch row runs the one-row kernel over it.
let batchTileRows = 32

/// out[t·outStride + r] = W[r,:] · x_t for the batch's rows t: groups of four rows through the multi-token kernel
/// (each unpacked Q4_1 block serves four rows: 12–15% less CPU per token than one row at a time at batch 4, measured
/// on cpu family 26 under load), the rest through the one-row (decode) kernel tile by tile, so batches of 2 and 3
/// keep its prefetching instead of the multi-token kernel's slow one-token tail (2.5× the CPU at batch 2). Both
/// kernels compute each output with the same operations in the same order (BatchedGenerationTests checks greedy
/// continuations alone and batched by 2–4). The 512-bit row-pair tile has two- and three-token bodies and
/// prefetches, so when timing chose it every batch size goes through it: `rag bench generate --batch B --threads 2
/// --fixed-threads` (cpu family 26) went from 296 to 451–459 tok/s at B = 2 and from 417–459 to 520–525 at B = 3.
@inline(__always)
func batchMultiply(_ m: QuantMatrix, rows: Range<Int>, act: Q8Activations, batch: Int, out: UnsafeMutablePointer<Float>, outStride: Int) {
    if batch == 1 { m.multiply(rows: rows, act: act, tokens: 0..<1, out: out, outStride: outStride); return }
    if smallBatchesShareWeights {
        m.multiply(rows: rows, act: act, tokens: 0..<batch, out: out, outStride: outStride)
        return
    }
    var first = 0
    if batch >= 4 {
        first = batch / 4 * 4
        m.multiply(rows: rows, act: act, tokens: 0..<first, out: out, outStride: outStride)
        if first == batch { return }
    }
    var r0 = rows.lowerBound
    while r0 < rows.upperBound {
        let r1 = min(r0 + batchTileRows, rows.upperBound)
        for t in first..<batch { m.multiply(rows: r0..<r1, act: act, tokens: t..<(t + 1), out: out, outStride: outStride) }
        r0 = r1
    }
}

extension LlamaState {
    /// Bytes of this state's KV cache when every position is filled (keys and values, f16).
    public var kvCapacityBytes: Int { 2 * config.layers * contextLength * config.kvDim * MemoryLayout<UInt16>.size }

    /// Takes the first `count` cached positions of `other` (same model and context length): copies their keys and
    /// values here, instead of computing them again.
    public func copyPrefix(from other: LlamaState, count: Int) {
        precondition(other !== self && count <= other.cachedTokens.count && count <= contextLength && other.contextLength == contextLength)
        let kvDim = config.kvDim
        for l in 0..<config.layers {
            let offset = l * contextLength * kvDim
            (keyCache + offset).update(from: other.keyCache + offset, count: count * kvDim)
            (valueCache + offset).update(from: other.valueCache + offset, count: count * kvDim)
        }
        cachedTokens = Array(other.cachedTokens[0..<count])
        promptPositions = min(other.promptPositions, count)
    }
}
