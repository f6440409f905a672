/// Inner products for vector search: fp32 with several SIMD accumulators (memory-bound scans run near the
/// machine's bandwidth) and int8 with a plain loop the compiler turns into `vpmovsxbw` + `vpmaddwd`.

public enum DotProduct {
    /// Σ a[i]·b[i] over `n` floats. Four 8-lane accumulators hide the add latency; the tail is scalar.
    @inlinable @inline(__always)
    public static func f32(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count n: Int) -> Float {
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        var s0 = SIMD8<Float>(), s1 = SIMD8<Float>(), s2 = SIMD8<Float>(), s3 = SIMD8<Float>()
        var i = 0
        while i + 32 <= n {
            let o = i &* 4
            s0 += ra.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self) * rb.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
            s1 += ra.loadUnaligned(fromByteOffset: o + 32, as: SIMD8<Float>.self) * rb.loadUnaligned(fromByteOffset: o + 32, as: SIMD8<Float>.self)
            s2 += ra.loadUnaligned(fromByteOffset: o + 64, as: SIMD8<Float>.self) * rb.loadUnaligned(fromByteOffset: o + 64, as: SIMD8<Float>.self)
            s3 += ra.loadUnaligned(fromByteOffset: o + 96, as: SIMD8<Float>.self) * rb.loadUnaligned(fromByteOffset: o + 96, as: SIMD8<Float>.self)
            i &+= 32
        }
        while i + 8 <= n {
            let o = i &* 4
            s0 += ra.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self) * rb.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
            i &+= 8
        }
        var s = ((s0 + s1) + (s2 + s3)).sum()
        while i < n {
            s += a[i] * b[i]
            i &+= 1
        }
        return s
    }

    /// Σ a[i]·b[i] over `n` signed bytes, exact in 32 bits for n < 2^17.
    @inlinable @inline(__always)
    public static func i8(_ a: UnsafePointer<Int8>, _ b: UnsafePointer<Int8>, count n: Int) -> Int32 {
        var s: Int32 = 0
        for i in 0..<n { s &+= Int32(a[i]) &* Int32(b[i]) }
        return s
    }

    /// out[r] = rows[r]·query for `count` rows of `dimension` floats (row-major).
    public static func f32Rows(query: UnsafePointer<Float>, rows: UnsafePointer<Float>, count: Int, dimension: Int,
                               into out: UnsafeMutablePointer<Float>) {
        for r in 0..<count { out[r] = f32(query, rows + r &* dimension, count: dimension) }
    }

    /// The scalar fp32 reference, accumulated in double.
    public static func referenceF32(_ a: [Float], _ b: [Float]) -> Double {
        zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    }

    /// The scalar int8 reference, accumulated in Int.
    public static func referenceI8(_ a: [Int8], _ b: [Int8]) -> Int {
        zip(a, b).reduce(0) { $0 + Int($1.0) * Int($1.1) }
    }
}
