/// Numerically stable softmax over rows, in place: exp(x − max) / Σ exp(x − max).
import Foundation

public enum Softmax {
    /// Softmax of each of `rows` rows of `cols` floats at `x`, rows `ld` floats apart.
    public static func rows(_ rows: Int, cols: Int, x: UnsafeMutablePointer<Float>, ld: Int) {
        let vectorCols = cols & ~7
        for r in 0..<rows {
            let row = x + r * ld
            var c = 0
            var mx = -Float.infinity
            if vectorCols > 0 {
                var m = Float8(repeating: -.infinity)
                while c < vectorCols {
                    let v = load(row + c)
                    m = m.replacing(with: v, where: v .> m)
                    c += 8
                }
                mx = m.max()
            }
            while c < cols { mx = max(mx, row[c]); c += 1 }
            let mv = Float8(repeating: mx)
            var acc = Float8()
            c = 0
            while c < vectorCols {
                let e = vexp(load(row + c) - mv)
                store(e, row + c)
                acc += e
                c += 8
            }
            var sum = acc.sum()
            while c < cols {
                let e = expf(row[c] - mx)
                row[c] = e
                sum += e
                c += 1
            }
            let inv = 1 / sum
            let iv = Float8(repeating: inv)
            c = 0
            while c < vectorCols { store(load(row + c) * iv, row + c); c += 8 }
            while c < cols { row[c] *= inv; c += 1 }
        }
    }

    /// Plain reference in double precision.
    public static func reference(_ row: [Float]) -> [Float] {
        let mx = row.max() ?? 0
        let e = row.map { exp(Double($0 - mx)) }
        let s = e.reduce(0, +)
        return e.map { Float($0 / s) }
    }
}
