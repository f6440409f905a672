/// Integer matrix products for quantised linear layers: weights quantised to int8 per output channel (symmetric,
/// scale = max|w| / 127), activations quantised per row at run time to as many bits as int32 accumulation allows
/// (14 bits for K ≤ 2064: 8191 · 127 · K < 2³¹), products accumulated exactly in int32 and rescaled to float.
/// Both operands are held in int16 lanes for `vpdpwssd` (AVX-512 VNNI: 32 multiply-adds per instruction, twice
/// fp32 FMA's), in the C target CInt8Gemm because Swift cannot emit it. int8 activations lost too much on BERT's
/// outlier channels (cosine 0.98 on short texts); in int16 lanes the wider activation codes cost nothing.
import CInt8Gemm

/// A row-major matrix of int8 codes (held in int16 lanes) with one float scale per row: value[r, c] ≈ codes[r, c] · scales[r].
public final class Int8Matrix: @unchecked Sendable {
    // Immutable after init.
    public let rows: Int
    public let cols: Int
    /// Row stride in elements: cols rounded up to 32 (zero padded) so kernels run whole vectors.
    public let stride: Int
    public let codes: UnsafeMutablePointer<Int16>
    /// One scale per row, zero padded to a multiple of 64.
    public let scales: UnsafeMutablePointer<Float>
    /// `codes` in the kernel's blocked layout (16 rows × pairs of columns).
    let packed: UnsafeMutablePointer<Int16>

    /// Quantises `rows` rows of `cols` floats at `source` (row stride `cols`).
    public init(quantizingRows source: UnsafePointer<Float>, rows: Int, cols: Int) {
        self.rows = rows
        self.cols = cols
        stride = (cols + 31) & ~31
        codes = .allocate(capacity: rows * stride)
        codes.initialize(repeating: 0, count: rows * stride)
        let paddedRows = (rows + 63) & ~63
        scales = .allocate(capacity: paddedRows)
        scales.initialize(repeating: 0, count: paddedRows)
        for r in 0..<rows {
            scales[r] = Int8Gemm.quantizeRow(source + r * cols, count: cols, limit: 127, into: codes + r * stride)
        }
        packed = .allocate(capacity: rag_i16_packed_size(Int32(rows), Int32(stride)))
        rag_i16_pack_b(codes, Int32(stride), Int32(rows), Int32(stride), packed)
    }

    deinit {
        codes.deallocate()
        scales.deallocate()
        packed.deallocate()
    }
}

public enum Int8Gemm {
    /// Largest activation code for reduction length `k` such that Σ |a·w| ≤ limit · 127 · k stays below 2³¹.
    /// Whether the AVX-512 VNNI kernel is in use on this CPU.
    public static var usesVNNI: Bool { rag_i16_has_vnni() != 0 }

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
    /// (rows × weights.stride) and `scratchScales` (rows). With `reuseQuantized`, the scratch already holds x's codes
    /// (the same input feeding several layers, as Q, K and V do) and quantisation is skipped. `portable` forces the
    /// non-VNNI kernel (for tests).
    public static func linear(x: UnsafePointer<Float>, rows: Int, weights w: Int8Matrix, out: UnsafeMutablePointer<Float>,
                              scratchCodes: UnsafeMutablePointer<Int16>, scratchScales: UnsafeMutablePointer<Float>,
                              reuseQuantized: Bool = false, portable: Bool = false) {
        let k = w.cols, stride = w.stride, n = w.rows
        if !reuseQuantized {
            rag_i16_quantize_rows(x, Int32(k), Int32(rows), Int32(k), activationLimit(k: k), scratchCodes,
                                  Int32(stride), scratchScales)
        }
        let gemm = portable ? rag_i16_gemm_portable : rag_i16_gemm
        gemm(scratchCodes, Int32(stride), scratchScales, Int32(rows), w.packed, w.scales, Int32(n), Int32(stride), out,
             Int32(n))
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
