/// RMSNorm and rotary embeddings against direct formulas.
import Foundation
import Testing
@testable import Kernels

@Suite struct RMSNormRoPETests {
    @Test func rmsNormScalesToUnitRootMeanSquareTimesWeight() {
        let n = 67
        let x = randomFloats(n, seed: 3, scale: 4)
        let w = randomFloats(n, seed: 4, scale: 1)
        var out = [Float](repeating: 0, count: n)
        rmsNorm(x, weight: w, out: &out, n: n, eps: 1e-5)
        let rms = (x.map { Double($0 * $0) }.reduce(0, +) / Double(n) + 1e-5).squareRoot()
        for i in 0..<n { #expect(abs(Double(out[i]) - Double(x[i]) / rms * Double(w[i])) < 1e-5) }
    }

    @Test func ropeRotatesAdjacentPairsByPositionTimesFrequency() {
        let hd = 64, pos = 37
        var c = [Float](repeating: 0, count: hd / 2), s = c
        ropeTable(pos: pos, headDim: hd, base: 100000, cos: &c, sin: &s)
        let x = randomFloats(2 * hd, seed: 9)
        var y = x
        rope(&y, heads: 2, headDim: hd, cos: c, sin: s)
        for h in 0..<2 {
            for i in 0..<hd / 2 {
                let theta = Double(pos) * pow(100000, -2 * Double(i) / Double(hd))
                let x0 = Double(x[h * hd + 2 * i]), x1 = Double(x[h * hd + 2 * i + 1])
                #expect(abs(Double(y[h * hd + 2 * i]) - (x0 * cos(theta) - x1 * sin(theta))) < 1e-4)
                #expect(abs(Double(y[h * hd + 2 * i + 1]) - (x0 * sin(theta) + x1 * cos(theta))) < 1e-4)
            }
        }
    }
}
