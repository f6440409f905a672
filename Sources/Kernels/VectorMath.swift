/// Vectorised elementary functions (8 lanes, AVX2) the activations and softmax are built from.

public typealias Float8 = SIMD8<Float>

/// e^x for 8 lanes, Cephes' `expf` scheme: x = n·ln2 + r, a degree-6 polynomial for e^r, 2^n from the exponent bits.
/// Relative error about 2 ulp over [-87, 88]; inputs are clamped to that range (e^-87 ≈ 1.6e-38, not 0).
@inline(__always)
public func vexp(_ x: Float8) -> Float8 {
    // `clamped`/`pointwiseMin` are generic calls that do not inline; masks compile to vminps/vmaxps-like blends.
    let lo = Float8(repeating: -87.33), hi = Float8(repeating: 88.37)
    var clamped = x.replacing(with: lo, where: x .< lo)
    clamped = clamped.replacing(with: hi, where: clamped .> hi)
    // Adding 1.5·2^23 rounds to an integer and leaves it in the low mantissa bits.
    let magic = Float8(repeating: 12_582_912)
    let shifted = clamped * 1.442_695_04 + magic
    let fx = shifted - magic
    var r = clamped - fx * 0.693_359_375
    r = r + fx * 2.121_944_4e-4
    var y = Float8(repeating: 1.987_569_15e-4)
    y = y * r + 1.398_199_950_7e-3
    y = y * r + 8.333_451_907_3e-3
    y = y * r + 4.166_579_589_4e-2
    y = y * r + 1.666_666_545_9e-1
    y = y * r + 5.000_000_120_1e-1
    y = y * (r * r) + r + 1
    let n = (unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000 &+ 127) &<< 23
    return y * unsafeBitCast(n, to: Float8.self)
}

/// erf for 8 lanes: Abramowitz & Stegun 7.1.26 (absolute error < 1.5e-7), the formula PyTorch's vectorised CPU
/// `erf` uses, so GELU matches the reference closely.
@inline(__always)
public func verf(_ x: Float8) -> Float8 {
    let a = unsafeBitCast(unsafeBitCast(x, to: SIMD8<UInt32>.self) & 0x7FFF_FFFF, to: Float8.self)
    let t = 1 / (a * 0.327_591_1 + 1)
    var r = Float8(repeating: 1.061_405_429)
    r = r * t - 1.453_152_027
    r = r * t + 1.421_413_741
    r = r * t - 0.284_496_736
    r = r * t + 0.254_829_592
    let y = Float8(repeating: 1) - r * t * vexp(-(a * a))
    return y.replacing(with: -y, where: x .< 0)
}

/// Horizontal helpers over 8 lanes.
@inline(__always) func hsum(_ v: Float8) -> Float { v.sum() }
@inline(__always) func hmax(_ v: Float8) -> Float { v.max() }
