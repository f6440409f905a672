/// GELU with the exact (erf) form BERT uses: gelu(x) = x · ½ · (1 + erf(x / √2)), fused with the preceding bias add.
import Foundation

public enum GELU {
    /// x = gelu(x + bias) for `rows` rows of `cols` floats (row stride `cols`); `bias` (cols) is optional.
    public static func apply(rows: Int, cols: Int, x: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>? = nil) {
        let vectorCols = cols & ~7
        let half = Float8(repeating: 0.5)
        let invSqrt2 = Float8(repeating: 0.707_106_781_186_547_5)
        for r in 0..<rows {
            let row = x + r * cols
            var c = 0
            while c < vectorCols {
                var v = load(row + c)
                if let bias { v += load(bias + c) }
                store(v * half * (1 + verf(v * invSqrt2)), row + c)
                c += 8
            }
            while c < cols {
                var v = row[c]
                if let bias { v += bias[c] }
                row[c] = scalar(v)
                c += 1
            }
        }
    }

    /// The scalar form for tails, with libm's erf.
    @inline(__always)
    public static func scalar(_ v: Float) -> Float {
        v * 0.5 * (1 + erff(v * 0.707_106_781_186_547_5))
    }

    /// Plain reference in double precision (tests check `apply` against it).
    public static func reference(_ v: Float) -> Float {
        let d = Double(v)
        return Float(d * 0.5 * (1 + erf(d / 2.0.squareRoot())))
    }
}
