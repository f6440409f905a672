/// Every kernel against its plain scalar reference, on odd shapes (tails shorter than a vector, single rows).
import Foundation
import Kernels
import Testing

func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
    zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

@Test(arguments: [(1, 1), (3, 7), (5, 13), (2, 384), (7, 129)])
func layerNormWithResidualAndBiasMatchesReference(rows: Int, cols: Int) {
    let x = randomFloats(rows * cols, seed: 1, scale: 3)
    let residual = randomFloats(rows * cols, seed: 2)
    let bias = randomFloats(cols, seed: 3)
    let gamma = randomFloats(cols, seed: 4)
    let beta = randomFloats(cols, seed: 5)
    var out = x
    out.withUnsafeMutableBufferPointer { o in
        LayerNorm.apply(rows: rows, cols: cols, x: o.baseAddress!, residual: residual, bias: bias, gamma: gamma,
                        beta: beta, eps: 1e-12)
    }
    let expected = LayerNorm.reference(rows: rows, cols: cols, x: x, residual: residual, bias: bias, gamma: gamma,
                                       beta: beta, eps: 1e-12)
    #expect(maxAbsDiff(out, expected) < 2e-5)
}

@Test(arguments: [(1, 1), (3, 9), (4, 17), (2, 1536)])
func geluWithBiasMatchesErfReference(rows: Int, cols: Int) {
    let x = randomFloats(rows * cols, seed: 6, scale: 6)
    let bias = randomFloats(cols, seed: 7)
    var out = x
    out.withUnsafeMutableBufferPointer { GELU.apply(rows: rows, cols: cols, x: $0.baseAddress!, bias: bias) }
    let expected = (0..<rows * cols).map { GELU.reference(x[$0] + bias[$0 % cols]) }
    #expect(maxAbsDiff(out, expected) < 1e-5)
}

@Test func vectorExpMatchesLibmOverTheUsefulRange() {
    var worst: Float = 0
    var v: Float = -80
    while v < 80 {
        let lanes = Float8((0..<8).map { v + Float($0) * 0.0137 })
        let e = vexp(lanes)
        for i in 0..<8 {
            let ref = Foundation.exp(Double(lanes[i]))
            worst = max(worst, Float(abs(Double(e[i]) - ref) / ref))
        }
        v += 0.37
    }
    #expect(worst < 5e-7)
}

@Test(arguments: [(1, 1), (2, 7), (3, 8), (5, 23), (4, 256)])
func softmaxRowsMatchReference(rows: Int, cols: Int) {
    let ld = cols + 3
    let x = randomFloats(rows * ld, seed: 8, scale: 10)
    var out = x
    out.withUnsafeMutableBufferPointer { Softmax.rows(rows, cols: cols, x: $0.baseAddress!, ld: ld) }
    for r in 0..<rows {
        let expected = Softmax.reference(Array(x[(r * ld)..<(r * ld + cols)]))
        #expect(maxAbsDiff(Array(out[(r * ld)..<(r * ld + cols)]), expected) < 1e-6)
        #expect(out[(r * ld + cols)..<(r * ld + ld)] == x[(r * ld + cols)..<(r * ld + ld)], "padding untouched")
    }
}

@Test(arguments: [(1, 1, 1), (3, 5, 7), (17, 9, 33)])
func sgemmTransposedMatchesScalarProduct(m: Int, n: Int, k: Int) {
    let a = randomFloats(m * k, seed: 9), b = randomFloats(n * k, seed: 10)
    var c = [Float](repeating: 0, count: m * n)
    c.withUnsafeMutableBufferPointer { Sgemm.abT(m: m, n: n, k: k, alpha: 0.5, a: a, lda: k, b: b, ldb: k, c: $0.baseAddress!, ldc: n) }
    var expected = [Float](repeating: 0, count: m * n)
    for i in 0..<m { for j in 0..<n { for t in 0..<k { expected[i * n + j] += 0.5 * a[i * k + t] * b[j * k + t] } } }
    #expect(maxAbsDiff(c, expected) < 1e-5)
}

@Test(arguments: [(1, 1, 1, false), (5, 7, 3, false), (9, 6, 40, false), (4, 4, 384, false), (13, 70, 1536, false),
                  (5, 7, 3, true), (13, 70, 1536, true), (6, 129, 33, true)])
func int8GemmMatchesIntegerReference(m: Int, n: Int, k: Int, portable: Bool) {
    let x = randomFloats(m * k, seed: 11, scale: 4)
    let w = randomFloats(n * k, seed: 12, scale: 0.2)
    let weights = w.withUnsafeBufferPointer { Int8Matrix(quantizingRows: $0.baseAddress!, rows: n, cols: k) }
    let stride = weights.stride
    let codes = UnsafeMutablePointer<Int16>.allocate(capacity: m * stride)
    let scales = UnsafeMutablePointer<Float>.allocate(capacity: m)
    defer { codes.deallocate(); scales.deallocate() }
    var out = [Float](repeating: 0, count: m * n)
    out.withUnsafeMutableBufferPointer {
        Int8Gemm.linear(x: x, rows: m, weights: weights, out: $0.baseAddress!, scratchCodes: codes, scratchScales: scales,
                        portable: portable)
    }
    // The integer reference over the same codes must agree exactly (up to float rounding of the rescale).
    let aCodes = (0..<m).flatMap { r in (0..<k).map { codes[r * stride + $0] } }
    let bCodes = (0..<n).flatMap { r in (0..<k).map { weights.codes[r * stride + $0] } }
    let expected = Int8Gemm.reference(a: aCodes, aScales: (0..<m).map { scales[$0] }, m: m, b: bCodes,
                                      bScales: (0..<n).map { weights.scales[$0] }, n: n, k: k)
    for i in 0..<(m * n) { #expect(abs(out[i] - expected[i]) <= 1e-5 * max(1, abs(expected[i]))) }
    #expect(bCodes.allSatisfy { abs($0) <= 127 })
    // And the quantised product stays close to the float product.
    var float = [Float](repeating: 0, count: m * n)
    for i in 0..<m { for j in 0..<n { for t in 0..<k { float[i * n + j] += x[i * k + t] * w[j * k + t] } } }
    let scale = float.map(abs).max() ?? 1
    #expect(maxAbsDiff(out, float) <= 0.02 * max(scale, 1e-3))
}

@Test func rowsMeanAndL2Normalize() {
    let x: [Float] = [1, 2, 3, 4, 5, 6]
    var mean = [Float](repeating: 0, count: 3)
    mean.withUnsafeMutableBufferPointer { Rows.mean(rows: 2, cols: 3, x: x, out: $0.baseAddress!) }
    #expect(mean == [2.5, 3.5, 4.5])
    var v: [Float] = [3, 4]
    v.withUnsafeMutableBufferPointer { Rows.l2Normalize($0.baseAddress!, count: 2) }
    #expect(maxAbsDiff(v, [0.6, 0.8]) < 1e-7)
    var zero: [Float] = [0, 0]
    zero.withUnsafeMutableBufferPointer { Rows.l2Normalize($0.baseAddress!, count: 2) }
    #expect(zero == [0, 0])
}

@Test func cpuFlagsDecideTheSkylakeXKernels() {
    let with = "processor : 0\nflags : fpu sse avx2 avx512f avx512dq avx512bw avx512vl\n"
    let without = "processor : 0\nflags : fpu sse avx2 avx512f\n"
    #expect(BLASRuntime.cpuSupportsSkylakeXKernels(cpuinfo: with))
    #expect(!BLASRuntime.cpuSupportsSkylakeXKernels(cpuinfo: without))
    #expect(!BLASRuntime.coreName().isEmpty)
}
