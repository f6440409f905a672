/// Root-mean-square normalisation with a learned scale, summed in double as ggml does.

/// out = x / sqrt(mean(x²) + eps) ⊙ weight, for `n` values (out may alias x).
@inline(__always)
public func rmsNorm(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>, n: Int, eps: Float) {
    var ss: Double = 0
    for i in 0..<n { ss += Double(x[i] * x[i]) }
    let scale = 1 / (Float(ss / Double(n)) + eps).squareRoot()
    for i in 0..<n { out[i] = (x[i] * scale) * weight[i] }
}
