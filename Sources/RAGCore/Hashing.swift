/// Content hashing: sha256 keys documents (skip unchanged files) and chunk texts (embedding cache).
import Crypto

public enum ContentHash {
    public static func sha256Hex<D: Sequence>(_ bytes: D) -> String where D.Element == UInt8 {
        let digest = SHA256.hash(data: Array(bytes))
        var hex = [UInt8](repeating: 0, count: 64)
        for (i, byte) in digest.enumerated() {
            hex[2 * i] = hexDigits[Int(byte >> 4)]
            hex[2 * i + 1] = hexDigits[Int(byte & 0xF)]
        }
        return String(decoding: hex, as: UTF8.self)
    }

    public static func sha256Hex(_ string: String) -> String {
        sha256Hex(Array(string.utf8))
    }
}

private let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
