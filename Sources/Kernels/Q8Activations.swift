/// Activations quantised on the fly to 8 bits per 32-value block (ggml's Q8_0/Q8_1 numerics), for the int8 dot products.

/// Quantised activations of `rows` vectors of `columns` values each, owned here and reused between calls.
///
/// Per block of 32: `d = amax/127` (kept as its f16 rounding), `q = round_half_even(x·127/amax)`,
/// `s = d·Σq` (f16-rounded; the min term of Q4_1). The same quants serve Q8_0 (ignore `s`) and Q8_1.
public final class Q8Activations: @unchecked Sendable {  // plain buffers; callers partition rows between threads
    public let capacityRows: Int
    public let columns: Int
    public let blocksPerRow: Int
    public let qs: UnsafeMutablePointer<Int8>  // (capacityRows, columns)
    public let d: UnsafeMutablePointer<Float>  // (capacityRows, blocksPerRow)
    public let s: UnsafeMutablePointer<Float>  // (capacityRows, blocksPerRow)

    public init(capacityRows: Int, columns: Int) {
        precondition(columns % QuantFormat.blockSize == 0, "columns must be a multiple of 32")
        self.capacityRows = capacityRows
        self.columns = columns
        self.blocksPerRow = columns / QuantFormat.blockSize
        qs = .allocate(capacity: capacityRows * columns)
        d = .allocate(capacity: capacityRows * blocksPerRow)
        s = .allocate(capacity: capacityRows * blocksPerRow)
        qs.initialize(repeating: 0, count: capacityRows * columns)
        d.initialize(repeating: 0, count: capacityRows * blocksPerRow)
        s.initialize(repeating: 0, count: capacityRows * blocksPerRow)
    }

    deinit {
        qs.deallocate()
        d.deallocate()
        s.deallocate()
    }

    /// Quantises row `row` from `x` (`columns` floats).
    public func quantize(row: Int, from x: UnsafePointer<Float>) {
        quantizeRowQ8(x, count: columns, qs: qs + row * columns, d: d + row * blocksPerRow, s: s + row * blocksPerRow)
    }

    /// Quantises rows `rows` of a (·, columns) matrix `x`.
    public func quantize(rows: Range<Int>, from x: UnsafePointer<Float>) {
        for r in rows { quantize(row: r, from: x + r * columns) }
    }
}

/// Quantises `count` floats (a multiple of 32) to int8 blocks; see `Q8Activations`.
@inline(__always)
public func quantizeRowQ8(_ x: UnsafePointer<Float>, count: Int, qs: UnsafeMutablePointer<Int8>,
                          d: UnsafeMutablePointer<Float>, s: UnsafeMutablePointer<Float>) {
    for b in 0..<(count / 32) {
        let xb = x + b * 32
        var amax: Float = 0
        for j in 0..<32 { amax = max(amax, abs(xb[j])) }
        let scale = amax / 127
        let inv: Float = amax != 0 ? 127 / amax : 0
        var sum: Int32 = 0
        let qb = qs + b * 32
        for j in 0..<32 {
            let q = Int32((xb[j] * inv).rounded(.toNearestOrEven))
            qb[j] = Int8(truncatingIfNeeded: q)
            sum &+= q
        }
        d[b] = roundF16(scale)
        s[b] = roundF16(scale * Float(sum))
    }
}
