/// GPT-2's byte-level alphabet: every byte maps to one printable code point, so BPE works on text without raw bytes.

enum BPEByteLevel {
    /// byte → code point: printable Latin-1 bytes map to themselves, the rest to 256, 257, … in byte order.
    static let byteToScalar: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: "\0", count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            if (33...126).contains(b) || (161...172).contains(b) || (174...255).contains(b) {
                table[b] = Unicode.Scalar(UInt32(b))!
            } else {
                table[b] = Unicode.Scalar(next)!
                next += 1
            }
        }
        return table
    }()

    /// code point → byte (nil for code points outside the alphabet).
    static let scalarToByte: [UInt32: UInt8] = {
        var m: [UInt32: UInt8] = [:]
        for (b, s) in byteToScalar.enumerated() { m[s.value] = UInt8(b) }
        return m
    }()

    /// The alphabet string of raw bytes.
    static func encode<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        var s = String.UnicodeScalarView()
        for b in bytes { s.append(byteToScalar[Int(b)]) }
        return String(s)
    }

    /// The raw bytes of an alphabet string; code points outside the alphabet are kept as their UTF-8.
    static func decode(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.unicodeScalars.count)
        for s in text.unicodeScalars {
            if let b = scalarToByte[s.value] { out.append(b) } else { out.append(contentsOf: Array(String(s).utf8)) }
        }
        return out
    }
}
