/// Layer normalisation over the last dimension, y = (x − mean) / sqrt(var + eps) · gamma + beta, in place, with the
/// residual add and bias that precede it in a transformer block fused into the same pass over memory.

public enum LayerNorm {
    /// For each of `rows` rows of `cols` floats at `x` (row stride `cols`): x = LN(x + bias + residual).
    /// `bias` (cols) and `residual` (rows×cols) are optional.
    public static func apply(rows: Int, cols: Int, x: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>? = nil,
                             bias: UnsafePointer<Float>? = nil, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
                             eps: Float) {
        let vectorCols = cols & ~7
        for r in 0..<rows {
            let row = x + r * cols
            let res = residual.map { $0 + r * cols }
            // Pass 1: add bias and residual, sum.
            var acc = Float8()
            var c = 0
            while c < vectorCols {
                var v = load(row + c)
                if let bias { v += load(bias + c) }
                if let res { v += load(res + c) }
                store(v, row + c)
                acc += v
                c += 8
            }
            var sum = acc.sum()
            while c < cols {
                var v = row[c]
                if let bias { v += bias[c] }
                if let res { v += res[c] }
                row[c] = v
                sum += v
                c += 1
            }
            let mean = sum / Float(cols)
            // Pass 2: variance around the mean (two-pass, as PyTorch computes it, for accuracy).
            var accVar = Float8()
            let meanV = Float8(repeating: mean)
            c = 0
            while c < vectorCols {
                let d = load(row + c) - meanV
                accVar += d * d
                c += 8
            }
            var variance = accVar.sum()
            while c < cols {
                let d = row[c] - mean
                variance += d * d
                c += 1
            }
            variance /= Float(cols)
            let inv = 1 / (variance + eps).squareRoot()
            let invV = Float8(repeating: inv)
            c = 0
            while c < vectorCols {
                let v = (load(row + c) - meanV) * invV * load(gamma + c) + load(beta + c)
                store(v, row + c)
                c += 8
            }
            while c < cols {
                row[c] = (row[c] - mean) * inv * gamma[c] + beta[c]
                c += 1
            }
        }
    }

    /// Plain scalar reference (tests check `apply` against it).
    public static func reference(rows: Int, cols: Int, x: [Float], residual: [Float]?, bias: [Float]?, gamma: [Float],
                                 beta: [Float], eps: Float) -> [Float] {
        var out = x
        for r in 0..<rows {
            var row = (0..<cols).map { c -> Double in
                var v = Double(x[r * cols + c])
                if let bias { v += Double(bias[c]) }
                if let residual { v += Double(residual[r * cols + c]) }
                return v
            }
            let mean = row.reduce(0, +) / Double(cols)
            let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(cols)
            let inv = 1 / (variance + Double(eps)).squareRoot()
            for c in 0..<cols {
                row[c] = (row[c] - mean) * inv * Double(gamma[c]) + Double(beta[c])
                out[r * cols + c] = Float(row[c])
            }
        }
        return out
    }
}

@inline(__always) func load(_ p: UnsafePointer<Float>) -> Float8 {
    UnsafeRawPointer(p).loadUnaligned(as: Float8.self)
}

@inline(__always) func load(_ p: UnsafeMutablePointer<Float>) -> Float8 {
    UnsafeRawPointer(p).loadUnaligned(as: Float8.self)
}

@inline(__always) func store(_ v: Float8, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: Float8.self)
}
