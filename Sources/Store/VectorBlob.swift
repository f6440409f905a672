/// The vector blob format: float32 little-endian, `dimension` values, no header (docs/ARCHITECTURE.md).
enum VectorBlob {
    static func encode(_ v: [Float]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: v.count * 4)
        out.withUnsafeMutableBytes { dst in
            for (i, x) in v.enumerated() { dst.storeBytes(of: x.bitPattern.littleEndian, toByteOffset: i * 4, as: UInt32.self) }
        }
        return out
    }

    static func decode(_ bytes: [UInt8]) -> [Float] {
        let n = bytes.count / 4
        return bytes.withUnsafeBytes { src in
            (0..<n).map { Float(bitPattern: UInt32(littleEndian: src.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
    }
}
