/// Helpers shared by the kernel tests.

/// Deterministic pseudo-random floats in [-scale, scale) (xorshift), so failures reproduce.
func randomFloats(_ n: Int, seed: UInt64, scale: Float = 1) -> [Float] {
    var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
    return (0..<n).map { _ in
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return (Float(state >> 40) / Float(1 << 24) * 2 - 1) * scale
    }
}
