/// Dot products of one quantised weight row with one row of Q8 activations, block by block in int32, as ggml does on x86.

/// Σ over blocks of a Q4_1 row · Q8_1 activations: d_w·d_a·Σq_w·q_a + m_w·s_a.
@inline(__always)
public func dotQ4_1(_ w: UnsafeRawPointer, _ qa: UnsafePointer<Int8>, _ da: UnsafePointer<Float>,
                    _ sa: UnsafePointer<Float>, blocks: Int) -> Float {
    var acc: Float = 0
    var mins: Float = 0
    for b in 0..<blocks {
        let blk = w + b * 20
        let q = (blk + 4).assumingMemoryBound(to: UInt8.self)
        let a = qa + b * 32
        var isum: Int32 = 0
        for j in 0..<16 {
            isum &+= Int32(q[j] & 0x0F) &* Int32(a[j])
            isum &+= Int32(q[j] >> 4) &* Int32(a[j + 16])
        }
        acc += loadF16(blk, 0) * da[b] * Float(isum)
        mins += loadF16(blk, 2) * sa[b]
    }
    return acc + mins
}

/// Σ over blocks of a Q4_0 row · Q8_0 activations: d_w·d_a·Σ(q_w − 8)·q_a.
@inline(__always)
public func dotQ4_0(_ w: UnsafeRawPointer, _ qa: UnsafePointer<Int8>, _ da: UnsafePointer<Float>,
                    blocks: Int) -> Float {
    var acc: Float = 0
    for b in 0..<blocks {
        let blk = w + b * 18
        let q = (blk + 2).assumingMemoryBound(to: UInt8.self)
        let a = qa + b * 32
        var isum: Int32 = 0
        for j in 0..<16 {
            isum &+= (Int32(q[j] & 0x0F) &- 8) &* Int32(a[j])
            isum &+= (Int32(q[j] >> 4) &- 8) &* Int32(a[j + 16])
        }
        acc += loadF16(blk, 0) * da[b] * Float(isum)
    }
    return acc
}

/// Σ over blocks of a Q8_0 row · Q8_0 activations: d_w·d_a·Σq_w·q_a.
@inline(__always)
public func dotQ8_0(_ w: UnsafeRawPointer, _ qa: UnsafePointer<Int8>, _ da: UnsafePointer<Float>,
                    blocks: Int) -> Float {
    var acc: Float = 0
    for b in 0..<blocks {
        let blk = w + b * 34
        let q = (blk + 2).assumingMemoryBound(to: Int8.self)
        let a = qa + b * 32
        var isum: Int32 = 0
        for j in 0..<32 { isum &+= Int32(q[j]) &* Int32(a[j]) }
        acc += loadF16(blk, 0) * da[b] * Float(isum)
    }
    return acc
}

/// Dequantises one row of `columns` weights to floats.
public func dequantizeRow(_ format: QuantFormat, _ w: UnsafeRawPointer, into out: UnsafeMutablePointer<Float>, columns: Int) {
    for b in 0..<(columns / 32) {
        let o = out + b * 32
        switch format {
        case .q4_0:
            let blk = w + b * 18
            let d = loadF16(blk, 0)
            let q = (blk + 2).assumingMemoryBound(to: UInt8.self)
            for j in 0..<16 {
                o[j] = d * Float(Int32(q[j] & 0x0F) - 8)
                o[j + 16] = d * Float(Int32(q[j] >> 4) - 8)
            }
        case .q4_1:
            let blk = w + b * 20
            let d = loadF16(blk, 0), m = loadF16(blk, 2)
            let q = (blk + 4).assumingMemoryBound(to: UInt8.self)
            for j in 0..<16 {
                o[j] = d * Float(q[j] & 0x0F) + m
                o[j + 16] = d * Float(q[j] >> 4) + m
            }
        case .q8_0:
            let blk = w + b * 34
            let d = loadF16(blk, 0)
            let q = (blk + 2).assumingMemoryBound(to: Int8.self)
            for j in 0..<32 { o[j] = d * Float(q[j]) }
        }
    }
}

/// Quantises floats to a block format (round to nearest, as ggml's reference quantisers); used to build test weights.
public func quantizeRow(_ format: QuantFormat, _ x: UnsafePointer<Float>, columns: Int, into w: UnsafeMutableRawPointer) {
    for b in 0..<(columns / 32) {
        let xb = x + b * 32
        switch format {
        case .q8_0:
            var amax: Float = 0
            for j in 0..<32 { amax = max(amax, abs(xb[j])) }
            let d = amax / 127, id: Float = d != 0 ? 1 / d : 0
            let blk = w + b * 34
            blk.storeBytes(of: f32ToF16(d), as: UInt16.self)
            for j in 0..<32 { blk.storeBytes(of: Int8((xb[j] * id).rounded()), toByteOffset: 2 + j, as: Int8.self) }
        case .q4_0:
            var amax: Float = 0, mx: Float = 0
            for j in 0..<32 where abs(xb[j]) > amax { amax = abs(xb[j]); mx = xb[j] }
            let d = mx / -8, id: Float = d != 0 ? 1 / d : 0
            let blk = w + b * 18
            blk.storeBytes(of: f32ToF16(d), as: UInt16.self)
            for j in 0..<16 {
                let lo = UInt8(min(15, max(0, Int((xb[j] * id + 8.5).rounded(.down)))))
                let hi = UInt8(min(15, max(0, Int((xb[j + 16] * id + 8.5).rounded(.down)))))
                blk.storeBytes(of: lo | hi << 4, toByteOffset: 2 + j, as: UInt8.self)
            }
        case .q4_1:
            var lo: Float = .infinity, hi: Float = -.infinity
            for j in 0..<32 { lo = min(lo, xb[j]); hi = max(hi, xb[j]) }
            let d = (hi - lo) / 15, id: Float = d != 0 ? 1 / d : 0
            let blk = w + b * 20
            blk.storeBytes(of: f32ToF16(d), as: UInt16.self)
            blk.storeBytes(of: f32ToF16(lo), toByteOffset: 2, as: UInt16.self)
            for j in 0..<16 {
                let a = UInt8(min(15, Int(((xb[j] - lo) * id + 0.5).rounded(.down))))
                let c = UInt8(min(15, Int(((xb[j + 16] - lo) * id + 0.5).rounded(.down))))
                blk.storeBytes(of: a | c << 4, toByteOffset: 4 + j, as: UInt8.self)
            }
        }
    }
}
