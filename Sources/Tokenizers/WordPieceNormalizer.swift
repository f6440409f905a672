/// BERT's normalizer for one Unicode scalar (the slow, non-ASCII path): clean text (drop control, format,
/// unassigned, private-use and U+FFFD; whitespace becomes a separator), CJK ideographs split off, accents stripped
/// (NFD, non-spacing marks removed) and lower-casing, in the order Hugging Face's `BertNormalizer` applies them.
import Foundation

/// What one input scalar becomes before pre-tokenization.
enum ScalarClass: UInt8 {
    /// Removed by clean-text.
    case drop = 0
    /// A word separator.
    case space = 1
    /// Punctuation: a word on its own.
    case punctuation = 2
    /// Part of a word.
    case word = 3
    /// Needs the general path (CJK ideograph, or an expansion mixing punctuation and letters).
    case complex = 4
}

struct ScalarNormalizer: Sendable {
    let lowercase: Bool
    let stripAccents: Bool
    let splitCJK: Bool

    /// One normalized output scalar and whether it is punctuation.
    struct Piece {
        var scalar: Unicode.Scalar
        var isPunctuation: Bool
    }

    enum Result {
        case drop
        case space
        /// A CJK ideograph: its normalized form is a word of its own.
        case cjk([Unicode.Scalar])
        case pieces([Piece])
    }

    func normalize(_ s: Unicode.Scalar) -> Result {
        if s.value == 0 || s.value == 0xFFFD || Self.isControl(s) { return .drop }
        if Self.isWhitespace(s) { return .space }
        var decomposed: [Unicode.Scalar]
        if stripAccents && s.value >= 0x80 {
            decomposed = Array(String(s).decomposedStringWithCanonicalMapping.unicodeScalars)
            decomposed.removeAll { $0.properties.generalCategory == .nonspacingMark }
        } else {
            decomposed = [s]
        }
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(decomposed.count)
        for d in decomposed {
            if lowercase {
                if d.value < 0x80 {
                    out.append(d.value >= 0x41 && d.value <= 0x5A ? Unicode.Scalar(d.value | 0x20)! : d)
                } else {
                    out.append(contentsOf: d.properties.lowercaseMapping.unicodeScalars)
                }
            } else {
                out.append(d)
            }
        }
        if splitCJK && Self.isCJK(s) { return .cjk(out) }
        return .pieces(out.map { Piece(scalar: $0, isPunctuation: Self.isPunctuation($0)) })
    }

    /// `char::is_control` in tokenizers: categories Cc, Cf, Cn, Co, Cs, except tab, newline and carriage return.
    static func isControl(_ s: Unicode.Scalar) -> Bool {
        if s == "\t" || s == "\n" || s == "\r" { return false }
        switch s.properties.generalCategory {
        case .control, .format, .unassigned, .privateUse, .surrogate: return true
        default: return false
        }
    }

    static func isWhitespace(_ s: Unicode.Scalar) -> Bool {
        s == "\t" || s == "\n" || s == "\r" || s.properties.isWhitespace
    }

    /// ASCII punctuation (which includes symbols such as `$+<=>^`|~`) or any Unicode P* category.
    static func isPunctuation(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if v < 0x80 {
            return (v >= 33 && v <= 47) || (v >= 58 && v <= 64) || (v >= 91 && v <= 96) || (v >= 123 && v <= 126)
        }
        switch s.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    /// The CJK Unified Ideographs blocks BERT splits on (not Hiragana, Katakana or Hangul).
    static func isCJK(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        return (0x4E00...0x9FFF).contains(v) || (0x3400...0x4DBF).contains(v) || (0x20000...0x2A6DF).contains(v)
            || (0x2A700...0x2B73F).contains(v) || (0x2B740...0x2B81F).contains(v) || (0x2B820...0x2CEAF).contains(v)
            || (0xF900...0xFAFF).contains(v) || (0x2F800...0x2FA1F).contains(v)
    }
}

/// Precomputed classes and normalized bytes for the two-byte UTF-8 range (U+0080–U+07FF: Latin accents, Greek,
/// Cyrillic, Hebrew, Arabic), so common non-ASCII text avoids Foundation's NFD on every character.
struct TwoByteTable {
    static let first: UInt32 = 0x80
    static let end: UInt32 = 0x800
    var classes: [ScalarClass] = []
    /// Normalized UTF-8 bytes of scalar `first + i` are `bytes[offsets[i]..<offsets[i+1]]`; `chars` counts scalars.
    var offsets: [Int32] = [0]
    var chars: [UInt8] = []
    var bytes: [UInt8] = []

    init(_ normalizer: ScalarNormalizer) {
        let n = Int(Self.end - Self.first)
        classes.reserveCapacity(n)
        for v in Self.first..<Self.end {
            var cls = ScalarClass.complex
            var out: [UInt8] = []
            var count = 0
            if let s = Unicode.Scalar(v) {
                switch normalizer.normalize(s) {
                case .drop: cls = .drop
                case .space: cls = .space
                case .cjk: cls = .complex
                case .pieces(let pieces):
                    if pieces.isEmpty {
                        cls = .drop
                    } else if pieces.allSatisfy({ !$0.isPunctuation }) {
                        cls = .word
                    } else if pieces.count == 1 {
                        cls = .punctuation
                    }
                    if cls != .complex {
                        for p in pieces { out.append(contentsOf: Array(String(p.scalar).utf8)) }
                        count = pieces.count
                    }
                }
            }
            classes.append(cls)
            bytes.append(contentsOf: out)
            chars.append(UInt8(count))
            offsets.append(Int32(bytes.count))
        }
    }
}
