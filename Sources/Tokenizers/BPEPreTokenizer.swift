/// Pre-tokenisation of byte-level BPE: the text is cut into pieces before merges, as llama.cpp does for the
/// pre-tokeniser a GGUF names (`tokenizer.ggml.pre`).

/// The pre-tokenisers this module implements.
public enum BPEPreTokenizer: String, Sendable, CaseIterable {
    /// GPT-2: `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`.
    case gpt2
    /// SmolLM (and StarCoder): first every `\p{N}` code point is its own piece, then GPT-2 within the rest.
    case smollm

    /// Looks up the GGUF name; nil when unsupported.
    public init?(ggufName: String) {
        switch ggufName {
        case "gpt2", "default": self = .gpt2
        case "smollm", "starcoder", "refact", "command-r": self = .smollm
        default: return nil
        }
    }

    /// The pieces of `text`, in order; their concatenation is `text`.
    public func split(_ text: String) -> [Substring.UnicodeScalarView] {
        let scalars = text.unicodeScalars
        var out: [Substring.UnicodeScalarView] = []
        switch self {
        case .gpt2:
            BPEPreTokenizer.gpt2Split(Substring(text).unicodeScalars, into: &out)
        case .smollm:
            var segStart = scalars.startIndex
            var i = scalars.startIndex
            let sub = Substring(text).unicodeScalars
            while i < scalars.endIndex {
                let next = scalars.index(after: i)
                if CodePointClass(scalars[i]) == .number {
                    if segStart < i { BPEPreTokenizer.gpt2Split(sub[segStart..<i], into: &out) }
                    out.append(sub[i..<next])
                    segStart = next
                }
                i = next
            }
            if segStart < scalars.endIndex { BPEPreTokenizer.gpt2Split(sub[segStart..<scalars.endIndex], into: &out) }
        }
        return out
    }

    /// The GPT-2 pattern, hand-written (as llama.cpp's custom splitter; contractions are case-sensitive).
    static func gpt2Split(_ s: Substring.UnicodeScalarView, into out: inout [Substring.UnicodeScalarView]) {
        let cps = Array(s)
        let idx = Array(s.indices) + [s.endIndex]
        let n = cps.count
        func cls(_ p: Int) -> CodePointClass? { p < n ? CodePointClass(cps[p]) : nil }
        func cp(_ p: Int) -> Unicode.Scalar? { p < n ? cps[p] : nil }
        var start = 0
        var pos = 0
        func emit(_ end: Int) {
            if end > start { out.append(s[idx[start]..<idx[end]]) }
            start = end
            pos = end
        }
        while pos < n {
            let c = cps[pos]
            if c == "'" , pos + 1 < n {
                let c1 = cps[pos + 1]
                if c1 == "s" || c1 == "t" || c1 == "m" || c1 == "d" { emit(pos + 2); continue }
                if pos + 2 < n {
                    let c2 = cps[pos + 2]
                    if (c1 == "r" && c2 == "e") || (c1 == "v" && c2 == "e") || (c1 == "l" && c2 == "l") { emit(pos + 3); continue }
                }
            }
            let lead = c == " " ? cls(pos + 1) : cls(pos)
            if lead == .letter {
                var p = pos + (c == " " ? 1 : 0)
                while cls(p) == .letter { p += 1 }
                emit(p); continue
            }
            if lead == .number {
                var p = pos + (c == " " ? 1 : 0)
                while cls(p) == .number { p += 1 }
                emit(p); continue
            }
            if let l = lead, l == .other {
                var p = pos + (c == " " ? 1 : 0)
                while cls(p) == .other { p += 1 }
                emit(p); continue
            }
            var ws = 0
            while cls(pos + ws) == .whitespace { ws += 1 }
            if ws > 1 && cp(pos + ws) != nil { emit(pos + ws - 1); continue }
            if ws > 0 { emit(pos + ws); continue }
            emit(pos + 1)
        }
    }
}

/// The classes the GPT-2 pattern distinguishes.
enum CodePointClass: Equatable {
    case letter, number, whitespace, other

    init(_ s: Unicode.Scalar) {
        if s.value < 128 {
            let v = s.value
            if (v >= 65 && v <= 90) || (v >= 97 && v <= 122) { self = .letter }
            else if v >= 48 && v <= 57 { self = .number }
            else if v == 32 || (v >= 9 && v <= 13) { self = .whitespace }
            else { self = .other }
            return
        }
        let p = s.properties
        if p.isWhitespace { self = .whitespace; return }
        switch p.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: self = .letter
        case .decimalNumber, .letterNumber, .otherNumber: self = .number
        default: self = .other
        }
    }
}
