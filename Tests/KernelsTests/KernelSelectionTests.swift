/// Kernels chosen by measurement: every variant of a family gives the same bits on odd shapes, `RAG_KERNELS` is
/// checked, and a choice is timed once, cached per machine and binary, and read back.
import CInt8Gemm
import CQuantKernels
import Foundation
import RAGCore
import Testing
@testable import Kernels

@Suite(.serialized) struct KernelSelectionTests {
    /// The prefill GEMM through one variant, against the AVX2 row kernel token by token (the scalar-order reference
    /// every variant must equal bit for bit).
    @Test func prefillVariantsEqualTheRowKernelBitForBit() throws {
        try #require(quantKernelsAccelerated, "the C kernels do not run on this CPU")
        let variants = KernelFamily.prefill.available
        #expect(variants.count >= 2, "both tiles of AVX2 at least")
        for (rows, cols, tokens) in [(1, 32, 2), (7, 608, 5), (17, 160, 9), (34, 576, 7), (64, 1536, 16), (13, 96, 4), (13, 96, 2), (9, 160, 3)] {
            let w = quantizedMatrix(.q4_1, rows: rows, cols: cols, seed: UInt64(rows * 31 + cols))
            let x = randomFloats(tokens * cols, seed: UInt64(tokens + cols), scale: 3)
            let act = Q8Activations(capacityRows: tokens, columns: cols)
            x.withUnsafeBufferPointer { act.quantize(rows: 0..<tokens, from: $0.baseAddress!) }
            let rowBytes = QuantFormat.q4_1.rowBytes(columns: cols), blocks = cols / 32
            var reference = [Float](repeating: .nan, count: tokens * rows)
            w.withUnsafeBytes { wb in
                reference.withUnsafeMutableBufferPointer { o in
                    for t in 0..<tokens {
                        rag_rows_q4_1_q8_1_with(1, wb.baseAddress!, rowBytes, 0, rows, act.qs + t * cols, act.d + t * blocks,
                                                act.s + t * blocks, blocks, o.baseAddress! + t * rows)
                    }
                }
            }
            for v in variants {
                var got = [Float](repeating: .nan, count: tokens * rows)
                w.withUnsafeBytes { wb in
                    got.withUnsafeMutableBufferPointer { o in
                        // Two row ranges, as the worker threads split them (odd start rows included).
                        let split = rows / 3
                        for range in [0..<split, split..<rows] where !range.isEmpty {
                            rag_gemm_q4_1_q8_1_with(v.code, v.tile, wb.baseAddress!, rowBytes, range.lowerBound,
                                                    range.upperBound, act.qs, act.d, act.s, cols, tokens, blocks,
                                                    o.baseAddress!, rows)
                        }
                    }
                }
                #expect(got.map(\.bitPattern) == reference.map(\.bitPattern), "\(v) \(rows)×\(cols)×\(tokens)")
            }
        }
    }

    /// Every decode variant equals AVX2's row kernel bit for bit.
    @Test func decodeVariantsAgree() throws {
        try #require(quantKernelsAccelerated, "the C kernels do not run on this CPU")
        let rows = 37, cols = 1536, blocks = cols / 32, rowBytes = QuantFormat.q4_1.rowBytes(columns: cols)
        let w = quantizedMatrix(.q4_1, rows: rows, cols: cols, seed: 5)
        let act = Q8Activations(capacityRows: 1, columns: cols)
        randomFloats(cols, seed: 6, scale: 2).withUnsafeBufferPointer { act.quantize(rows: 0..<1, from: $0.baseAddress!) }
        func run(_ isa: Int32) -> [UInt32] {
            var out = [Float](repeating: .nan, count: rows)
            w.withUnsafeBytes { wb in
                out.withUnsafeMutableBufferPointer {
                    rag_rows_q4_1_q8_1_with(isa, wb.baseAddress!, rowBytes, 0, rows, act.qs, act.d, act.s, blocks, $0.baseAddress!)
                }
            }
            return out.map(\.bitPattern)
        }
        let reference = run(1)
        for v in KernelFamily.decode.available { #expect(run(v.code) == reference, "\(v)") }
    }

    /// Every integer GEMM variant equals the portable kernel bit for bit, on shapes that leave partial row and
    /// column tiles.
    @Test(arguments: [(1, 1, 2), (5, 7, 6), (9, 70, 40), (13, 129, 384), (4, 33, 1536)])
    func int8VariantsAgree(m: Int, n: Int, k: Int) {
        let w = randomFloats(n * k, seed: 21, scale: 0.2)
        let weights = w.withUnsafeBufferPointer { Int8Matrix(quantizingRows: $0.baseAddress!, rows: n, cols: k) }
        let x = randomFloats(m * k, seed: 22, scale: 4)
        let stride = weights.stride
        let codes = UnsafeMutablePointer<Int16>.allocate(capacity: m * stride)
        let scales = UnsafeMutablePointer<Float>.allocate(capacity: m)
        defer { codes.deallocate(); scales.deallocate() }
        rag_i16_quantize_rows(x, Int32(k), Int32(m), Int32(k), Int8Gemm.activationLimit(k: k), codes, Int32(stride), scales)
        func run(_ code: Int32) -> [UInt32] {
            var out = [Float](repeating: .nan, count: m * n)
            out.withUnsafeMutableBufferPointer {
                rag_i16_gemm_with(code, codes, Int32(stride), scales, Int32(m), weights.packed, weights.scales, Int32(n),
                                  Int32(stride), $0.baseAddress!, Int32(n))
            }
            return out.map(\.bitPattern)
        }
        let reference = run(RAG_I16_PORTABLE)
        for v in KernelFamily.int8.available { #expect(run(v.code) == reference, "\(v) \(m)×\(n)×\(k)") }
    }

    @Test func badOverridesNameTheProblem() {
        #expect(throws: RAGError.self) { try KernelSelection.parseOverrides("decode") }
        do {
            _ = try KernelSelection.parseOverrides("prefill=avx2-9x9")
            Issue.record("accepted an unknown variant")
        } catch {
            #expect("\(error)".contains("avx2-9x9") && "\(error)".contains("avx2-4x4"))
        }
        do {
            _ = try KernelSelection.parseOverrides("gpu=avx2")
            Issue.record("accepted an unknown family")
        } catch {
            #expect("\(error)".contains("gpu"))
        }
        #expect((try? KernelSelection.parseOverrides("decode=avx2,int8=portable"))?.count == 2)
    }

    /// First use times every family with more than one variant and caches the winners; the next use reads them;
    /// `RAG_KERNELS` wins over both. The applied variants are the reported ones.
    @Test func choicesAreMeasuredCachedAndOverridden() throws {
        try #require(quantKernelsAccelerated, "the C kernels do not run on this CPU")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kernels-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("kernels.json")
        defer { for f in KernelFamily.allCases { if let c = KernelSelection.choices.first(where: { $0.family == f.rawValue }) { KernelVariant.named(c.variant, in: f)?.use() } } }
        var timed: [KernelTiming] = []
        let first = try KernelSelection.choose(environment: nil, cacheFile: file, remeasure: false) { timed.append($0) }
        let multi = KernelFamily.allCases.filter { $0.available.count > 1 }
        #expect(Set(first.filter { $0.source == .measured }.map(\.family)) == Set(multi.map(\.rawValue)))
        for f in multi {
            let times = timed.filter { $0.family == f.rawValue }
            #expect(times.count == f.available.count)
            #expect(times.allSatisfy { $0.seconds > 0 && $0.opsPerSecond > 0 })
            let fastest = times.min { $0.seconds < $1.seconds }!.variant
            #expect(first.first { $0.family == f.rawValue }?.variant == fastest)
            #expect(KernelVariant.current(f)?.name == fastest)
        }
        #expect(FileManager.default.fileExists(atPath: file.path))
        let second = try KernelSelection.choose(environment: nil, cacheFile: file, remeasure: false)
        for c in second where multi.map(\.rawValue).contains(c.family) {
            #expect(c.source == .cache)
            #expect(c.variant == first.first { $0.family == c.family }?.variant)
        }
        let forced = try KernelSelection.choose(environment: "prefill=avx2-4x4,decode=avx2", cacheFile: file, remeasure: false)
        #expect(forced.first { $0.family == "prefill" }?.variant == "avx2-4x4")
        #expect(forced.first { $0.family == "prefill" }?.source == .environment)
        #expect(KernelVariant.current(.prefill)?.name == "avx2-4x4")
        #expect(KernelVariant.current(.decode)?.name == "avx2")
    }

    @Test func peaksAreMeasuredForEveryFormTheCPURuns() throws {
        try #require(quantKernelsAccelerated, "the C kernels do not run on this CPU")
        let peaks = KernelSelection.int8Peaks()
        #expect(peaks.contains { $0.name.hasPrefix("avx2") })
        #expect(peaks.allSatisfy { $0.opsPerSecond > 1e9 })
    }
}
