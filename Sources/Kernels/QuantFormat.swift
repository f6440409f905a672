/// The ggml block formats the generator's weights use, and f16 helpers for their scales.

/// A quantised block format: 32 weights per block, scales in f16, as ggml lays them out.
///
/// - Q4_0 (18 bytes): `f16 d; u8 qs[16]`, w[j] = d·((qs[j] & 0xF) − 8), w[j+16] = d·((qs[j] >> 4) − 8)
/// - Q4_1 (20 bytes): `f16 d; f16 m; u8 qs[16]`, w[j] = d·(qs[j] & 0xF) + m, w[j+16] = d·(qs[j] >> 4) + m
/// - Q8_0 (34 bytes): `f16 d; i8 qs[32]`, w[j] = d·qs[j]
public enum QuantFormat: Sendable, CaseIterable {
    case q4_0, q4_1, q8_0

    public static let blockSize = 32
    public var blockElements: Int { QuantFormat.blockSize }
    public var blockBytes: Int {
        switch self {
        case .q4_0: return 18
        case .q4_1: return 20
        case .q8_0: return 34
        }
    }
    /// Bytes of one row of `columns` weights.
    public func rowBytes(columns: Int) -> Int { columns / QuantFormat.blockSize * blockBytes }
}

@inline(__always) public func f16ToF32(_ bits: UInt16) -> Float { Float(Float16(bitPattern: bits)) }
@inline(__always) public func f32ToF16(_ x: Float) -> UInt16 { Float16(x).bitPattern }
/// `x` rounded to the nearest f16 and back, as ggml does when it stores a value in an f16 field.
@inline(__always) public func roundF16(_ x: Float) -> Float { Float(Float16(x)) }

@inline(__always) func loadF16(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
    f16ToF32(p.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
}
