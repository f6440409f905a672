/// Row-wise helpers over row-major matrices: bias add, mean pooling, L2 normalisation.

public enum Rows {
    /// x[r, c] += bias[c] for `rows` rows of `cols` floats.
    public static func addBias(rows: Int, cols: Int, x: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>) {
        let vectorCols = cols & ~7
        for r in 0..<rows {
            let row = x + r * cols
            var c = 0
            while c < vectorCols { store(load(row + c) + load(bias + c), row + c); c += 8 }
            while c < cols { row[c] += bias[c]; c += 1 }
        }
    }

    /// out[c] = mean over `rows` rows of x[r, c].
    public static func mean(rows: Int, cols: Int, x: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>) {
        for c in 0..<cols { out[c] = 0 }
        for r in 0..<rows {
            let row = x + r * cols
            for c in 0..<cols { out[c] += row[c] }
        }
        let inv = 1 / Float(max(rows, 1))
        for c in 0..<cols { out[c] *= inv }
    }

    /// Scales `x` (n floats) to unit L2 norm, as torch.nn.functional.normalize does (norm clamped to ≥ 1e-12).
    public static func l2Normalize(_ x: UnsafeMutablePointer<Float>, count n: Int) {
        var s: Float = 0
        for i in 0..<n { s += x[i] * x[i] }
        let inv = 1 / max(s.squareRoot(), 1e-12)
        for i in 0..<n { x[i] *= inv }
    }
}
