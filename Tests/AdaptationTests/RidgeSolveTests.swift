/// The ridge fit's LAPACK Cholesky solve, checked against a plain Gaussian elimination on an odd shape.
import Kernels
import Testing

@Suite struct RidgeSolveTests {
    @Test func choleskySolveMatchesGaussianElimination() throws {
        let n = 7, d = 5, e = 3
        var seed: UInt64 = 3
        func random() -> Float { seed = seed &* 6364136223846793005 &+ 1442695040888963407; return Float(Int64(bitPattern: seed >> 11) % 2000) / 1000 - 1 }
        let x = (0..<(n * d)).map { _ in random() }, y = (0..<(n * e)).map { _ in random() }
        var (a, b) = RidgeSolve.gram(x: x, y: y, n: n, d: d, e: e)
        for i in 0..<d { a[i * d + i] += 0.5 }
        // Gram products by hand.
        for i in 0..<d { for j in 0..<e {
            let ref = (0..<n).reduce(Float(0)) { $0 + x[$1 * d + i] * y[$1 * e + j] }
            #expect(abs(b[i * e + j] - ref) < 1e-4)
        } }
        let w = try #require(RidgeSolve.solve(a: a, b: b, d: d, e: e))
        // Reference: Gauss-Jordan on [A | B] in Double.
        var m = (0..<d).map { i in (0..<d).map { Double(a[i * d + $0]) } + (0..<e).map { Double(b[i * e + $0]) } }
        for c in 0..<d {
            let p = (c..<d).max { abs(m[$0][c]) < abs(m[$1][c]) }!
            m.swapAt(c, p)
            let pivot = m[c][c]
            m[c] = m[c].map { $0 / pivot }
            for r in 0..<d where r != c {
                let f = m[r][c]
                m[r] = zip(m[r], m[c]).map { $0 - f * $1 }
            }
        }
        for i in 0..<d { for j in 0..<e { #expect(abs(Double(w[i * e + j]) - m[i][d + j]) < 1e-4) } }
    }

    @Test func notPositiveDefiniteIsNil() {
        #expect(RidgeSolve.solve(a: [1, 2, 2, 1], b: [1, 1], d: 2, e: 1) == nil)
    }
}
