/// Attention of one query head over an f16 KV cache (llama.cpp keeps K and V in f16), and f32 → f16 stores.
import CQuantKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// y[i] = f16(x[i]) (round to nearest even), as bit patterns.
@inline(__always)
public func storeF16(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<UInt16>, count n: Int) {
    if quantKernelsAccelerated { rag_f32_to_f16(x, y, n); return }
    for i in 0..<n { y[i] = f32ToF16(x[i]) }
}

/// out = softmax(q·K/√d)·V over `positions` cached rows (`stride` values apart) of one kv head; `scores` holds
/// `positions` floats; `singleToken` when the forward pass has one token (llama.cpp then sums in another order).
/// Like llama.cpp's f16 matrix products, q and the probabilities are rounded to f16; the C
/// kernel also follows its reduction order and exp, the Swift fallback only approximately.
@inline(__always)
public func attendF16(q: UnsafePointer<Float>, keys: UnsafePointer<UInt16>, values: UnsafePointer<UInt16>, stride: Int,
                      positions: Int, headDim: Int, scale: Float, scores: UnsafeMutablePointer<Float>,
                      out: UnsafeMutablePointer<Float>, singleToken: Bool = false) {
    if quantKernelsAccelerated && headDim % 64 == 0 && headDim <= 128 {
        if singleToken {
            rag_attend_f16_single(q, keys, values, stride, positions, headDim, scale, scores, out)
        } else {
            rag_attend_f16(q, keys, values, stride, positions, headDim, scale, scores, out)
        }
        return
    }
    var maxScore = -Float.infinity
    for p in 0..<positions {
        let k = keys + p * stride
        var s: Float = 0
        for i in 0..<headDim { s += roundF16(q[i]) * f16ToF32(k[i]) }
        scores[p] = s * scale
        maxScore = max(maxScore, scores[p])
    }
    var sum: Double = 0
    for p in 0..<positions {
        let e = expf(scores[p] - maxScore)
        scores[p] = e
        sum += Double(e)
    }
    let inv = Float(1 / sum)
    for i in 0..<headDim { out[i] = 0 }
    for p in 0..<positions {
        let w = roundF16(scores[p] * inv)
        let v = values + p * stride
        for i in 0..<headDim { out[i] += w * f16ToF32(v[i]) }
    }
}

/// gate ← silu(gate) · up, silu(x) = x / (1 + e^−x) (llama.cpp's exp approximation where the C kernels run).
@inline(__always)
public func swiglu(gate: UnsafeMutablePointer<Float>, up: UnsafePointer<Float>, n: Int) {
    if quantKernelsAccelerated { rag_swiglu(gate, up, n); return }
    for i in 0..<n {
        let g = gate[i]
        gate[i] = g / (1 + expf(-g)) * up[i]
    }
}
