/// Rotary position embedding, "normal" (GPT-J style) mode: adjacent pairs (x[2i], x[2i+1]) are rotated.
import CQuantKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// cos/sin of position `pos` for the `headDim/2` frequencies base^(−2i/headDim), computed like ggml (θ multiplied up in f32).
public func ropeTable(pos: Int, headDim: Int, base: Float, cos c: UnsafeMutablePointer<Float>, sin s: UnsafeMutablePointer<Float>) {
    let thetaScale = powf(base, -2 / Float(headDim))
    var theta = Float(pos)
    for i in 0..<(headDim / 2) {
        c[i] = cosf(theta)
        s[i] = sinf(theta)
        theta *= thetaScale
    }
}

/// Rotates each of `heads` vectors of `headDim` values in `x` with the table of one position.
@inline(__always)
public func rope(_ x: UnsafeMutablePointer<Float>, heads: Int, headDim: Int, cos c: UnsafePointer<Float>, sin s: UnsafePointer<Float>) {
    if quantKernelsAccelerated { rag_rope(x, heads, headDim, c, s); return }
    for h in 0..<heads {
        let v = x + h * headDim
        for i in 0..<(headDim / 2) {
            let x0 = v[2 * i], x1 = v[2 * i + 1]
            v[2 * i] = x0 * c[i] - x1 * s[i]
            v[2 * i + 1] = x0 * s[i] + x1 * c[i]
        }
    }
}
