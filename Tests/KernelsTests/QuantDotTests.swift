/// Quantised dot products and matrix products against plain scalar references, on odd shapes.
import CQuantKernels
import Testing
@testable import Kernels

/// Scalar reference of Q8 activation quantisation (per block: d = amax/127, q = round-half-even(x·127/amax)).
func referenceQuantize(_ x: [Float]) -> (q: [Int8], d: [Float], s: [Float]) {
    var q: [Int8] = [], d: [Float] = [], s: [Float] = []
    for b in 0..<(x.count / 32) {
        let blk = Array(x[b * 32..<(b + 1) * 32])
        let amax = blk.map { abs($0) }.max()!
        let scale = amax / 127
        let inv: Float = amax == 0 ? 0 : 127 / amax
        var sum = 0
        for v in blk {
            let r = (v * inv).rounded(.toNearestOrEven)
            q.append(Int8(r)); sum += Int(r)
        }
        d.append(Float(Float16(scale)))
        s.append(Float(Float16(scale * Float(sum))))
    }
    return (q, d, s)
}

/// Scalar reference: Σ_blocks of (dequantised weight · dequantised activation), computed in Double from the block
/// fields, read byte by byte (independent of the kernels' pointer code).
func referenceDot(_ format: QuantFormat, row: [UInt8], q: [Int8], d: [Float], s: [Float]) -> Double {
    var total = 0.0
    for b in 0..<(q.count / 32) {
        let bb = format.blockBytes
        let blk = Array(row[b * bb..<(b + 1) * bb])
        func f16(_ i: Int) -> Double { Double(Float(Float16(bitPattern: UInt16(blk[i]) | UInt16(blk[i + 1]) << 8))) }
        var w = [Double](repeating: 0, count: 32)
        switch format {
        case .q4_0:
            for j in 0..<16 { w[j] = f16(0) * Double(Int(blk[2 + j] & 15) - 8); w[j + 16] = f16(0) * Double(Int(blk[2 + j] >> 4) - 8) }
        case .q4_1:
            for j in 0..<16 { w[j] = f16(0) * Double(blk[4 + j] & 15) + f16(2); w[j + 16] = f16(0) * Double(blk[4 + j] >> 4) + f16(2) }
        case .q8_0:
            for j in 0..<32 { w[j] = f16(0) * Double(Int8(bitPattern: blk[2 + j])) }
        }
        if format == .q4_1 {
            // The min term uses the block's f16 s = d·Σq, as ggml does.
            var dot = 0.0
            for j in 0..<32 { dot += (w[j] - f16(2)) * Double(q[b * 32 + j]) }
            total += dot * Double(d[b]) + f16(2) * Double(s[b])
        } else {
            for j in 0..<32 { total += w[j] * Double(q[b * 32 + j]) * Double(d[b]) }
        }
    }
    return total
}

func quantizedMatrix(_ format: QuantFormat, rows: Int, cols: Int, seed: UInt64) -> [UInt8] {
    let w = randomFloats(rows * cols, seed: seed, scale: 0.5)
    var bytes = [UInt8](repeating: 0, count: rows * format.rowBytes(columns: cols))
    bytes.withUnsafeMutableBytes { buf in
        w.withUnsafeBufferPointer { wp in
            for r in 0..<rows {
                quantizeRow(format, wp.baseAddress! + r * cols, columns: cols, into: buf.baseAddress! + r * format.rowBytes(columns: cols))
            }
        }
    }
    return bytes
}

@Suite struct QuantDotTests {
    @Test(arguments: [32, 96, 608, 1536])
    func activationQuantisationMatchesScalarReference(columns: Int) {
        var x = randomFloats(columns, seed: UInt64(columns), scale: 3)
        x[5] = 0.5; x[6] = -0.5  // exact ties round to even
        if columns >= 64 { for j in 32..<64 { x[j] = 0 } }  // an all-zero block
        let act = Q8Activations(capacityRows: 1, columns: columns)
        x.withUnsafeBufferPointer { act.quantize(row: 0, from: $0.baseAddress!) }
        let ref = referenceQuantize(x)
        for i in 0..<columns { #expect(act.qs[i] == ref.q[i], "q[\(i)]") }
        for b in 0..<columns / 32 {
            #expect(act.d[b] == ref.d[b])
            #expect(act.s[b] == ref.s[b])
        }
    }

    @Test(arguments: QuantFormat.allCases)
    func matrixProductMatchesScalarReferenceOnOddShapes(format: QuantFormat) {
        for (rows, cols, tokens) in [(1, 32, 1), (3, 96, 1), (7, 608, 3), (17, 160, 5), (33, 1536, 2)] {
            let w = quantizedMatrix(format, rows: rows, cols: cols, seed: UInt64(rows * 1000 + cols))
            let x = randomFloats(tokens * cols, seed: UInt64(tokens + cols), scale: 2)
            let act = Q8Activations(capacityRows: tokens, columns: cols)
            x.withUnsafeBufferPointer { act.quantize(rows: 0..<tokens, from: $0.baseAddress!) }
            var out = [Float](repeating: .nan, count: tokens * rows)
            w.withUnsafeBytes { wb in
                let m = QuantMatrix(format: format, base: wb.baseAddress!, rows: rows, columns: cols)
                out.withUnsafeMutableBufferPointer { o in
                    // Two row ranges, as two threads would split them.
                    m.multiply(rows: 0..<rows / 2, act: act, tokens: 0..<tokens, out: o.baseAddress!, outStride: rows)
                    m.multiply(rows: rows / 2..<rows, act: act, tokens: 0..<tokens, out: o.baseAddress!, outStride: rows)
                }
            }
            for t in 0..<tokens {
                let ref = referenceQuantize(Array(x[t * cols..<(t + 1) * cols]))
                for r in 0..<rows {
                    let rb = format.rowBytes(columns: cols)
                    let expected = referenceDot(format, row: Array(w[r * rb..<(r + 1) * rb]), q: ref.q, d: ref.d, s: ref.s)
                    let got = Double(out[t * rows + r])
                    #expect(abs(got - expected) <= 1e-4 * max(1, abs(expected)), "\(format) \(rows)x\(cols) t\(t) r\(r): \(got) vs \(expected)")
                }
            }
        }
    }

    @Test(arguments: QuantFormat.allCases)
    func quantiseThenDequantiseStaysWithinOneStep(format: QuantFormat) {
        let cols = 96
        let x = randomFloats(cols, seed: 7, scale: 1)
        var bytes = [UInt8](repeating: 0, count: format.rowBytes(columns: cols))
        var back = [Float](repeating: 0, count: cols)
        bytes.withUnsafeMutableBytes { b in
            x.withUnsafeBufferPointer { quantizeRow(format, $0.baseAddress!, columns: cols, into: b.baseAddress!) }
            back.withUnsafeMutableBufferPointer { dequantizeRow(format, UnsafeRawPointer(b.baseAddress!), into: $0.baseAddress!, columns: cols) }
        }
        let step: Float = format == .q8_0 ? 1.0 / 127 : 2.0 / 15
        for i in 0..<cols { #expect(abs(back[i] - x[i]) <= step * 1.01, "element \(i)") }
    }
}

@Suite struct PortableQuantDotTests {
    /// The Swift loops used where the AVX2 kernels are unavailable agree with the scalar reference too.
    @Test(arguments: QuantFormat.allCases)
    func swiftFallbackDotMatchesScalarReference(format: QuantFormat) {
        for cols in [32, 96, 608] {
            let w = quantizedMatrix(format, rows: 1, cols: cols, seed: UInt64(cols))
            let x = randomFloats(cols, seed: 11, scale: 2)
            let ref = referenceQuantize(x)
            let expected = referenceDot(format, row: w, q: ref.q, d: ref.d, s: ref.s)
            let got: Float = w.withUnsafeBytes { wb in
                ref.q.withUnsafeBufferPointer { q in ref.d.withUnsafeBufferPointer { d in ref.s.withUnsafeBufferPointer { s in
                    switch format {
                    case .q4_1: return dotQ4_1(wb.baseAddress!, q.baseAddress!, d.baseAddress!, s.baseAddress!, blocks: cols / 32)
                    case .q4_0: return dotQ4_0(wb.baseAddress!, q.baseAddress!, d.baseAddress!, blocks: cols / 32)
                    case .q8_0: return dotQ8_0(wb.baseAddress!, q.baseAddress!, d.baseAddress!, blocks: cols / 32)
                    }
                } } }
            }
            #expect(abs(Double(got) - expected) <= 1e-4 * max(1, abs(expected)), "\(format) \(cols): \(got) vs \(expected)")
        }
    }
}

/// The instruction-set variants of the C kernels (AVX2, AVX-VNNI, AVX-512 VNNI) give bit-identical products, on
/// random data and on the extremes (±127 activations against full-range weights with matching signs).
@Suite(.serialized) struct QuantKernelVariantTests {
    /// W·x for every token, the rows in two ranges as two threads would split them; `oneTokenAtATime`: each token
    /// through its own call (the one-row kernels) instead of all in one.
    func products(_ format: QuantFormat, rows: Int, cols: Int, tokens: Int, w: [UInt8], x: [Float], oneTokenAtATime: Bool = false) -> [Float] {
        let act = Q8Activations(capacityRows: tokens, columns: cols)
        x.withUnsafeBufferPointer { act.quantize(rows: 0..<tokens, from: $0.baseAddress!) }
        var out = [Float](repeating: .nan, count: tokens * rows)
        w.withUnsafeBytes { wb in
            let m = QuantMatrix(format: format, base: wb.baseAddress!, rows: rows, columns: cols)
            out.withUnsafeMutableBufferPointer { o in
                for part in [0..<tokens].flatMap({ all in oneTokenAtATime ? all.map { $0..<($0 + 1) } : [all] }) {
                    m.multiply(rows: 0..<rows / 2, act: act, tokens: part, out: o.baseAddress!, outStride: rows)
                    m.multiply(rows: rows / 2..<rows, act: act, tokens: part, out: o.baseAddress!, outStride: rows)
                }
            }
        }
        return out
    }

    /// Several tokens at once (the multi-token kernels: Q4_1 prefill, Q8_0 output head of a decoding batch) give
    /// bit for bit what one token at a time gives, in every variant: a sequence's logits do not depend on its batch.
    /// Every prefill GEMM variant too: the Q8_0 head's batch kernel follows its register width (512-bit when a zmm
    /// tile is chosen).
    @Test(arguments: QuantFormat.allCases)
    func manyTokensEqualOneAtATimeBitForBit(format: QuantFormat) throws {
        defer { QuantKernelVariant.use(nil); rag_quant_gemm_use_variant(0, 0) }
        let gemms: [KernelVariant?] = quantKernelsAccelerated ? KernelFamily.prefill.available.map(Optional.some) : [nil]
        for (rows, cols, tokens) in [(17, 160, 5), (34, 576, 4), (9, 96, 8), (3, 64, 7), (6, 64, 4), (23, 1536, 9)] {
            let w = quantizedMatrix(format, rows: rows, cols: cols, seed: UInt64(rows * 31 + cols))
            let x = randomFloats(tokens * cols, seed: UInt64(tokens * 7 + cols), scale: 2)
            for v in quantKernelsAccelerated ? QuantKernelVariant.available.map(Optional.some) : [nil] {
                if let v { #expect(QuantKernelVariant.use(v)) }
                let single = products(format, rows: rows, cols: cols, tokens: tokens, w: w, x: x, oneTokenAtATime: true)
                for g in gemms {
                    if let g { #expect(g.use()) }
                    let together = products(format, rows: rows, cols: cols, tokens: tokens, w: w, x: x)
                    #expect(together.map(\.bitPattern) == single.map(\.bitPattern), "\(String(describing: v)) \(String(describing: g)) \(format) \(rows)x\(cols)x\(tokens)")
                }
            }
        }
    }

    @Test(arguments: QuantFormat.allCases)
    func variantsAgreeBitForBit(format: QuantFormat) throws {
        try #require(quantKernelsAccelerated, "the AVX2 kernels do not run on this CPU")
        defer { QuantKernelVariant.use(nil) }
        for (rows, cols, tokens) in [(1, 32, 1), (7, 608, 1), (17, 160, 5), (33, 1536, 1), (34, 576, 7)] {
            var cases: [([UInt8], [Float])] = []
            cases.append((quantizedMatrix(format, rows: rows, cols: cols, seed: UInt64(rows + cols)),
                          randomFloats(tokens * cols, seed: UInt64(tokens * cols), scale: 2)))
            // Extremes: weights and activations ±1 with the same sign pattern (every quant at its limit).
            let sign: [Float] = (0..<cols).map { j in (j * 7 + j / 5) % 3 == 0 ? -1 : 1 }
            let wx = (0..<rows * cols).map { sign[$0 % cols] }
            var wb = [UInt8](repeating: 0, count: rows * format.rowBytes(columns: cols))
            wb.withUnsafeMutableBytes { b in
                wx.withUnsafeBufferPointer { p in
                    for r in 0..<rows {
                        quantizeRow(format, p.baseAddress! + r * cols, columns: cols, into: b.baseAddress! + r * format.rowBytes(columns: cols))
                    }
                }
            }
            cases.append((wb, (0..<tokens * cols).map { sign[$0 % cols] }))
            for (w, x) in cases {
                #expect(QuantKernelVariant.use(.avx2))
                let reference = products(format, rows: rows, cols: cols, tokens: tokens, w: w, x: x)
                for v in QuantKernelVariant.available where v != .avx2 {
                    #expect(QuantKernelVariant.use(v))
                    #expect(QuantKernelVariant.current == v)
                    let got = products(format, rows: rows, cols: cols, tokens: tokens, w: w, x: x)
                    #expect(got.map(\.bitPattern) == reference.map(\.bitPattern), "\(v) \(format) \(rows)x\(cols)x\(tokens)")
                }
            }
        }
    }
}
