/// Quantised weight matrix × quantised activations: the matrix–vector (decode) and matrix–matrix (prefill) products.
import CQuantKernels

/// Whether the AVX2 C kernels run on this CPU (otherwise the portable Swift loops of QuantDot.swift do).
public let quantKernelsAccelerated: Bool = rag_quant_kernels_available() != 0

/// Instruction-set variants of the C row kernels; all give bit-identical results.
public enum QuantKernelVariant: Int32, CaseIterable, Sendable {
    case avx2 = 1, avxVNNI = 2, avx512VNNI = 4

    /// The variants this CPU runs.
    public static var available: [QuantKernelVariant] {
        let bits = rag_quant_kernels_variants()
        return allCases.filter { bits & $0.rawValue != 0 }
    }

    /// The variant in use (nil when the C kernels do not run here).
    public static var current: QuantKernelVariant? { QuantKernelVariant(rawValue: rag_quant_kernels_variant()) }

    /// Selects `variant` (nil: the default, the fastest available). False when the CPU lacks it. For tests.
    @discardableResult
    public static func use(_ variant: QuantKernelVariant?) -> Bool {
        rag_quant_kernels_use_variant(variant?.rawValue ?? 0) != 0
    }
}

/// A (rows, columns) weight matrix in a block format, viewed in place (usually over the memory-mapped model file).
public struct QuantMatrix: @unchecked Sendable {  // a read-only view; the owner keeps the memory alive
    public let format: QuantFormat
    public let base: UnsafeRawPointer
    public let rows: Int
    public let columns: Int
    public let rowBytes: Int

    public init(format: QuantFormat, base: UnsafeRawPointer, rows: Int, columns: Int) {
        precondition(columns % QuantFormat.blockSize == 0)
        self.format = format
        self.base = base
        self.rows = rows
        self.columns = columns
        self.rowBytes = format.rowBytes(columns: columns)
    }

    /// out[t·outStride + r] = W[r,:] · x_t for r in `rows`, t in `tokens` (x_t is activation row t of `act`).
    ///
    /// Rows are taken in tiles of 16 so a tile's weights stay in L1 while every token's activations stream past.
    public func multiply(rows range: Range<Int>, act: Q8Activations, tokens: Range<Int>,
                         out: UnsafeMutablePointer<Float>, outStride: Int) {
        precondition(act.columns == columns)
        let blocks = columns / QuantFormat.blockSize
        let nb = act.blocksPerRow
        if quantKernelsAccelerated && format == .q4_1 && tokens.count > 1 && nb == blocks {
            let t0 = tokens.lowerBound
            rag_gemm_q4_1_q8_1(base, rowBytes, range.lowerBound, range.upperBound, act.qs + t0 * columns,
                               act.d + t0 * nb, act.s + t0 * nb, columns, tokens.count, blocks, out + t0 * outStride, outStride)
            return
        }
        if quantKernelsAccelerated && format == .q8_0 && tokens.count >= 4 && nb == blocks {
            let t0 = tokens.lowerBound
            rag_gemm_q8_0_q8_0(base, rowBytes, range.lowerBound, range.upperBound, act.qs + t0 * columns,
                               act.d + t0 * nb, columns, tokens.count, blocks, out + t0 * outStride, outStride)
            return
        }
        let tile = tokens.count == 1 ? range.count : 16
        var r0 = range.lowerBound
        while r0 < range.upperBound {
            let r1 = min(r0 + tile, range.upperBound)
            for t in tokens {
                let qa = UnsafePointer(act.qs + t * columns)
                let da = UnsafePointer(act.d + t * nb)
                let sa = UnsafePointer(act.s + t * nb)
                let o = out + t * outStride
                if quantKernelsAccelerated {
                    switch format {
                    case .q4_1: rag_rows_q4_1_q8_1(base, rowBytes, r0, r1, qa, da, sa, blocks, o)
                    case .q4_0: rag_rows_q4_0_q8_0(base, rowBytes, r0, r1, qa, da, blocks, o)
                    case .q8_0: rag_rows_q8_0_q8_0(base, rowBytes, r0, r1, qa, da, blocks, o)
                    }
                    continue
                }
                switch format {
                case .q4_1:
                    for r in r0..<r1 { o[r] = dotQ4_1(base + r * rowBytes, qa, da, sa, blocks: blocks) }
                case .q4_0:
                    for r in r0..<r1 { o[r] = dotQ4_0(base + r * rowBytes, qa, da, blocks: blocks) }
                case .q8_0:
                    for r in r0..<r1 { o[r] = dotQ8_0(base + r * rowBytes, qa, da, blocks: blocks) }
                }
            }
            r0 = r1
        }
    }
}

/// Whether the multi-token Q4_1 kernel in force (the prefill GEMM's timed choice) serves batches of 2 and 3 as
/// well as one row at a time does: the 512-bit row-pair tile, with its two- and three-token bodies and prefetching.
public var smallBatchesShareWeights: Bool { quantKernelsAccelerated && rag_quant_gemm_variant() >> 8 == 3 }
