/// Turns a file's bytes into valid UTF-8: byte-order marks stripped, UTF-16 decoded, invalid sequences → U+FFFD.

public enum UTF8Repair {
    /// The text of `bytes`, never failing: a UTF-8 BOM is dropped, a UTF-16 BOM selects UTF-16 decoding, and every
    /// invalid UTF-8 sequence becomes U+FFFD (the Unicode "maximal subpart" rule, as `String(decoding:)` applies it).
    public static func string(from bytes: [UInt8]) -> String {
        if bytes.count >= 2 && (bytes[0] == 0xFF && bytes[1] == 0xFE || bytes[0] == 0xFE && bytes[1] == 0xFF) {
            return decodeUTF16(bytes, littleEndian: bytes[0] == 0xFF)
        }
        let start = hasUTF8BOM(bytes) ? 3 : 0
        return bytes.withUnsafeBufferPointer { buffer in
            String(decoding: UnsafeBufferPointer(rebasing: buffer[start...]), as: UTF8.self)
        }
    }

    /// The repaired text as UTF-8 bytes (what libxml2 and the byte-level loaders read).
    public static func bytes(from bytes: [UInt8]) -> [UInt8] {
        if !hasUTF8BOM(bytes) && !hasUTF16BOM(bytes) && isValidUTF8(bytes) { return bytes }
        return Array(string(from: bytes).utf8)
    }

    static func hasUTF8BOM(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF
    }

    static func hasUTF16BOM(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && (bytes[0] == 0xFF && bytes[1] == 0xFE || bytes[0] == 0xFE && bytes[1] == 0xFF)
    }

    /// Validates without allocating; ASCII runs take the fast path.
    static func isValidUTF8(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { p in
            var i = 0
            let n = p.count
            while i < n {
                let b = p[i]
                if b < 0x80 { i += 1; continue }
                var need = 0
                var minScalar: UInt32 = 0
                var scalar: UInt32 = 0
                switch b {
                case 0xC2...0xDF: need = 1; scalar = UInt32(b & 0x1F); minScalar = 0x80
                case 0xE0...0xEF: need = 2; scalar = UInt32(b & 0x0F); minScalar = 0x800
                case 0xF0...0xF4: need = 3; scalar = UInt32(b & 0x07); minScalar = 0x10000
                default: return false
                }
                if i + need >= n { return false }  // truncated sequence at the end
                for k in 1...need {
                    let c = p[i + k]
                    if c & 0xC0 != 0x80 { return false }
                    scalar = scalar << 6 | UInt32(c & 0x3F)
                }
                if scalar < minScalar || scalar > 0x10FFFF || (0xD800...0xDFFF).contains(scalar) { return false }
                i += need + 1
            }
            return true
        }
    }

    private static func decodeUTF16(_ bytes: [UInt8], littleEndian: Bool) -> String {
        var units: [UInt16] = []
        units.reserveCapacity(bytes.count / 2)
        var i = 2
        while i + 1 < bytes.count {
            let a = UInt16(bytes[i]), b = UInt16(bytes[i + 1])
            units.append(littleEndian ? a | b << 8 : a << 8 | b)
            i += 2
        }
        // An odd trailing byte is a truncated code unit: repair it like any other invalid sequence.
        return String(decoding: units, as: UTF16.self) + (i < bytes.count ? "\u{FFFD}" : "")
    }
}
