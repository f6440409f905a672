/// Integer matrix products for quantised linear layers: weights quantised to int8 per output channel (symmetric,
/// scale = max|w| / 127), activations quantised per row at run time to as many bits as int32 accumulation allows
/// (14 bits for K ≤ 2064: 8191 · 127 · K < 2³¹), products accumulated exactly in int32 and rescaled to float.
/// Both operands are stored as int16 so the inner loops compile to bare `vpmaddwd` (16 multiply-adds per AVX2
/// instruction, no sign extension): int8 activations lost too much on BERT's outlier channels (cosine 0.98 on short
/// texts), and with `vpmaddwd` the wider activations cost nothing.

/// A row-major matrix of int8 codes (held in int16 lanes) with one float scale per row: value[r, c] ≈ codes[r, c] · scales[r].
public final class Int8Matrix: @unchecked Sendable {
    // Immutable after init.
    public let rows: Int
    public let cols: Int
    /// Row stride in elements: cols rounded up to 32 (zero padded) so kernels run whole vectors.
    public let stride: Int
    public let codes: UnsafeMutablePointer<Int16>
    public let scales: UnsafeMutablePointer<Float>

    /// Quantises `rows` rows of `cols` floats at `source` (row stride `cols`).
    public init(quantizingRows source: UnsafePointer<Float>, rows: Int, cols: Int) {
        self.rows = rows
        self.cols = cols
        stride = (cols + 31) & ~31
        codes = .allocate(capacity: rows * stride)
        codes.initialize(repeating: 0, count: rows * stride)
        scales = .allocate(capacity: rows)
        for r in 0..<rows {
            scales[r] = Int8Gemm.quantizeRow(source + r * cols, count: cols, limit: 127, into: codes + r * stride)
        }
    }

    deinit {
        codes.deallocate()
        scales.deallocate()
    }
}

public enum Int8Gemm {
    /// Largest activation code for reduction length `k` such that Σ |a·w| ≤ limit · 127 · k stays below 2³¹.
    public static func activationLimit(k: Int) -> Int16 {
        Int16(min(8191, Int(Int32.max) / (127 * max(k, 1))))
    }

    /// Symmetric quantisation of one row to integers in [-limit, limit]: returns the scale s with x ≈ code · s.
    @inline(__always)
    public static func quantizeRow(_ x: UnsafePointer<Float>, count n: Int, limit: Int16,
                                   into out: UnsafeMutablePointer<Int16>) -> Float {
        var mx: Float = 0
        for i in 0..<n { mx = max(mx, abs(x[i])) }
        if mx == 0 {
            for i in 0..<n { out[i] = 0 }
            return 0
        }
        let q = Float(limit)
        let scale = mx / q
        let inv = q / mx
        for i in 0..<n { out[i] = Int16((x[i] * inv).rounded(.toNearestOrEven)) }
        return scale
    }

    /// out (rows × weights.rows) = x (rows × weights.cols) · Wᵀ, with x quantised per row into `scratchCodes`
    /// (rows × weights.stride) and `scratchScales` (rows).
    public static func linear(x: UnsafePointer<Float>, rows: Int, weights w: Int8Matrix, out: UnsafeMutablePointer<Float>,
                              scratchCodes: UnsafeMutablePointer<Int16>, scratchScales: UnsafeMutablePointer<Float>) {
        let k = w.cols, stride = w.stride, n = w.rows
        let limit = activationLimit(k: k)
        for r in 0..<rows {
            let dst = scratchCodes + r * stride
            scratchScales[r] = quantizeRow(x + r * k, count: k, limit: limit, into: dst)
            for c in k..<stride { dst[c] = 0 }
        }
        gemm(a: UnsafePointer(scratchCodes), aScales: UnsafePointer(scratchScales), m: rows,
             b: UnsafePointer(w.codes), bScales: UnsafePointer(w.scales), n: n, stride: stride, out: out)
    }

    /// out[i, j] = aScales[i] · bScales[j] · Σ_k a[i, k] · b[j, k] — both operands row-major with `stride` elements a row
    /// (a multiple of 32, zero padded). Tiles of 4 × 4 dot products share loads.
    public static func gemm(a: UnsafePointer<Int16>, aScales: UnsafePointer<Float>, m: Int,
                            b: UnsafePointer<Int16>, bScales: UnsafePointer<Float>, n: Int, stride: Int,
                            out: UnsafeMutablePointer<Float>) {
        // Block over output columns so a block of weight rows stays in L1/L2 while all activation rows pass.
        let nBlock = 64
        var j0 = 0
        while j0 < n {
            let j1 = min(n, j0 + nBlock)
            var i = 0
            while i + 4 <= m {
                var j = j0
                while j + 4 <= j1 {
                    tile4x4(a + i * stride, b + j * stride, stride, out + i * n + j, n, aScales + i, bScales + j)
                    j += 4
                }
                while j < j1 {
                    for ii in i..<(i + 4) {
                        out[ii * n + j] = Float(dot(a + ii * stride, b + j * stride, stride)) * aScales[ii] * bScales[j]
                    }
                    j += 1
                }
                i += 4
            }
            while i < m {
                for j in j0..<j1 {
                    out[i * n + j] = Float(dot(a + i * stride, b + j * stride, stride)) * aScales[i] * bScales[j]
                }
                i += 1
            }
            j0 = j1
        }
    }

    @inline(__always)
    static func dot(_ a: UnsafePointer<Int16>, _ b: UnsafePointer<Int16>, _ k: Int) -> Int32 {
        var s: Int32 = 0
        for t in 0..<k { s &+= Int32(a[t]) &* Int32(b[t]) }
        return s
    }

    @inline(__always)
    static func tile4x4(_ a: UnsafePointer<Int16>, _ b: UnsafePointer<Int16>, _ stride: Int,
                        _ out: UnsafeMutablePointer<Float>, _ ldo: Int,
                        _ aScales: UnsafePointer<Float>, _ bScales: UnsafePointer<Float>) {
        let a0 = a, a1 = a + stride, a2 = a + 2 * stride, a3 = a + 3 * stride
        let b0 = b, b1 = b + stride, b2 = b + 2 * stride, b3 = b + 3 * stride
        var s00: Int32 = 0, s01: Int32 = 0, s02: Int32 = 0, s03: Int32 = 0
        var s10: Int32 = 0, s11: Int32 = 0, s12: Int32 = 0, s13: Int32 = 0
        var s20: Int32 = 0, s21: Int32 = 0, s22: Int32 = 0, s23: Int32 = 0
        var s30: Int32 = 0, s31: Int32 = 0, s32: Int32 = 0, s33: Int32 = 0
        for t in 0..<stride {
            let x0 = Int32(a0[t]), x1 = Int32(a1[t]), x2 = Int32(a2[t]), x3 = Int32(a3[t])
            let y0 = Int32(b0[t]), y1 = Int32(b1[t]), y2 = Int32(b2[t]), y3 = Int32(b3[t])
            s00 &+= x0 &* y0; s01 &+= x0 &* y1; s02 &+= x0 &* y2; s03 &+= x0 &* y3
            s10 &+= x1 &* y0; s11 &+= x1 &* y1; s12 &+= x1 &* y2; s13 &+= x1 &* y3
            s20 &+= x2 &* y0; s21 &+= x2 &* y1; s22 &+= x2 &* y2; s23 &+= x2 &* y3
            s30 &+= x3 &* y0; s31 &+= x3 &* y1; s32 &+= x3 &* y2; s33 &+= x3 &* y3
        }
        let sa0 = aScales[0], sa1 = aScales[1], sa2 = aScales[2], sa3 = aScales[3]
        let sb0 = bScales[0], sb1 = bScales[1], sb2 = bScales[2], sb3 = bScales[3]
        out[0] = Float(s00) * sa0 * sb0; out[1] = Float(s01) * sa0 * sb1; out[2] = Float(s02) * sa0 * sb2; out[3] = Float(s03) * sa0 * sb3
        let o1 = out + ldo, o2 = out + 2 * ldo, o3 = out + 3 * ldo
        o1[0] = Float(s10) * sa1 * sb0; o1[1] = Float(s11) * sa1 * sb1; o1[2] = Float(s12) * sa1 * sb2; o1[3] = Float(s13) * sa1 * sb3
        o2[0] = Float(s20) * sa2 * sb0; o2[1] = Float(s21) * sa2 * sb1; o2[2] = Float(s22) * sa2 * sb2; o2[3] = Float(s23) * sa2 * sb3
        o3[0] = Float(s30) * sa3 * sb0; o3[1] = Float(s31) * sa3 * sb1; o3[2] = Float(s32) * sa3 * sb2; o3[3] = Float(s33) * sa3 * sb3
    }

    /// Plain reference: float product of the dequantised operands' codes, in Int64.
    public static func reference(a: [Int16], aScales: [Float], m: Int, b: [Int16], bScales: [Float], n: Int, k: Int) -> [Float] {
        var out = [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var s: Int64 = 0
                for t in 0..<k { s += Int64(a[i * k + t]) * Int64(b[j * k + t]) }
                out[i * n + j] = Float(s) * aScales[i] * bScales[j]
            }
        }
        return out
    }
}
