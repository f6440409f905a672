/// Content hashing: sha256 keys documents (skip unchanged files) and chunk texts (embedding cache).
import Crypto

public enum ContentHash {
    public static func sha256Hex<D: Sequence>(_ bytes: D) -> String where D.Element == UInt8 {
        let digest = SHA256.hash(data: Array(bytes))
        return digest.map { String(format2hex: $0) }.joined()
    }

    public static func sha256Hex(_ string: String) -> String {
        sha256Hex(Array(string.utf8))
    }
}

extension String {
    init(format2hex byte: UInt8) {
        let digits: [Character] = Array("0123456789abcdef")
        self.init([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
    }
}
