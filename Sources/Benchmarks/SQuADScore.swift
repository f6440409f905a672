/// SQuAD v1.1 answer scoring (exact match and token F1), written to give the same numbers as the official
/// evaluate script and `../shared/eval/qa-dev/qa_score.py` on every input, Unicode included.
///
/// The reference is Python: `s.lower()`, delete `string.punctuation`, `re.sub(r"\b(a|an|the)\b", " ", s)`,
/// `" ".join(s.split())`. Each step is mirrored on Unicode scalars (Python's code points), not on Swift
/// `Character`s, and strings are compared scalar by scalar, because Swift's `String ==` treats canonically
/// equivalent strings ("é" precomposed and decomposed) as equal where Python does not.
public enum SQuADScore {
    /// Exact match and token F1 of one prediction, each in [0, 1].
    public struct Score: Sendable, Equatable {
        public var exactMatch: Double
        public var f1: Double
    }

    /// The normalised answer: lower-cased, ASCII punctuation deleted, the words a/an/the dropped, whitespace
    /// collapsed to single spaces.
    public static func normalize(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        for (i, token) in tokens(s).enumerated() {
            if i > 0 { out.append(" ") }
            out.append(contentsOf: token)
        }
        return String(out)
    }

    /// 1 when the normalised strings are equal, else 0 (Python's `float(a == b)`).
    public static func exactMatch(_ prediction: String, _ gold: String) -> Double {
        tokens(prediction) == tokens(gold) ? 1 : 0
    }

    /// Token F1 over the multiset overlap of normalised tokens; 0 when they share no token (even if both are empty).
    public static func f1(_ prediction: String, _ gold: String) -> Double {
        let p = tokens(prediction), g = tokens(gold)
        var goldCounts: [[Unicode.Scalar]: Int] = [:]
        for t in g { goldCounts[t, default: 0] += 1 }
        var same = 0
        for t in p {
            if let c = goldCounts[t], c > 0 {
                same += 1
                goldCounts[t] = c - 1
            }
        }
        if same == 0 { return 0 }
        let precision = Double(same) / Double(p.count), recall = Double(same) / Double(g.count)
        return 2 * precision * recall / (precision + recall)
    }

    /// The best exact match and the best F1 over the gold answers (each maximised on its own, as the v1.1 script
    /// does); 0 and 0 for no gold answer.
    public static func best(_ prediction: String, gold: [String]) -> Score {
        var em = 0.0, f = 0.0
        for (i, answer) in gold.enumerated() {
            let e = exactMatch(prediction, answer), x = f1(prediction, answer)
            em = i == 0 ? e : max(em, e)
            f = i == 0 ? x : max(f, x)
        }
        return Score(exactMatch: em, f1: f)
    }

    /// Corpus-level figures in percent, summed in the order of `gold` as `qa_score.py`'s `score()` does. A question
    /// without a prediction scores 0, or is skipped with `onlyPredicted`. Unrounded (the script rounds to 4 places).
    public static func score(predictions: [String: String], gold: [(id: String, answers: [String])],
                             onlyPredicted: Bool = false) -> (em: Double, f1: Double, n: Int) {
        var emSum = 0.0, f1Sum = 0.0, n = 0
        for (id, answers) in gold {
            let prediction: String
            if let p = predictions[id] { prediction = p } else if onlyPredicted { continue } else { prediction = "" }
            n += 1
            let s = best(prediction, gold: answers)
            emSum += s.exactMatch
            f1Sum += s.f1
        }
        return n == 0 ? (0, 0, 0) : (100 * emSum / Double(n), 100 * f1Sum / Double(n), n)
    }

    // MARK: - Normalisation, step by step

    /// The normalised tokens: `normalize(s).split()`.
    static func tokens(_ s: String) -> [[Unicode.Scalar]] {
        let lowered = pythonLower(Array(s.unicodeScalars))
        let unpunctuated = lowered.filter { !isPunctuation($0) }
        let spaced = removingArticles(unpunctuated)
        return spaced.split(whereSeparator: isPythonSpace).map(Array.init)
    }

    /// Python's `str.lower()`: each code point's full lower-case mapping, and capital sigma as final sigma (ς) when
    /// it ends a word (the Final_Sigma rule, as CPython's `handle_capital_sigma`).
    static func pythonLower(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(s.count)
        for (i, c) in s.enumerated() {
            if c.isASCII {
                out.append(c.value >= 0x41 && c.value <= 0x5A ? Unicode.Scalar(c.value + 0x20)! : c)
            } else if c.value == 0x3A3 {
                out.append(isFinalSigma(s, at: i) ? "\u{3C2}" : "\u{3C3}")
            } else {
                out.append(contentsOf: c.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return out
    }

    /// \p{cased} \p{case-ignorable}* Σ !(\p{case-ignorable}* \p{cased})
    static func isFinalSigma(_ s: [Unicode.Scalar], at i: Int) -> Bool {
        var j = i - 1
        while j >= 0 && s[j].properties.isCaseIgnorable { j -= 1 }
        guard j >= 0 && s[j].properties.isCased else { return false }
        j = i + 1
        while j < s.count && s[j].properties.isCaseIgnorable { j += 1 }
        return j == s.count || !s[j].properties.isCased
    }

    /// Python's `string.punctuation`: the 32 ASCII punctuation characters ``!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~``.
    static func isPunctuation(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x21...0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x7E: true
        default: false
        }
    }

    /// `re.sub(r"\b(a|an|the)\b", " ", s)`: a maximal run of word characters that is exactly a, an or the becomes
    /// one space.
    static func removingArticles(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(s.count)
        var i = 0
        while i < s.count {
            guard isWordCharacter(s[i]) else { out.append(s[i]); i += 1; continue }
            var j = i
            while j < s.count && isWordCharacter(s[j]) { j += 1 }
            let run = s[i..<j]
            if run.elementsEqual(["a"]) || run.elementsEqual(["a", "n"]) || run.elementsEqual(["t", "h", "e"]) {
                out.append(" ")
            } else {
                out.append(contentsOf: run)
            }
            i = j
        }
        return out
    }

    /// Python's `\w` on str patterns: a letter (Lu, Ll, Lt, Lm, Lo), a character with a numeric value, or `_`.
    static func isWordCharacter(_ c: Unicode.Scalar) -> Bool {
        if c.isASCII {
            let v = c.value
            return (v >= 0x30 && v <= 0x39) || (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A) || v == 0x5F
        }
        switch c.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return c.properties.numericType != nil
        }
    }

    /// Python's `str.isspace()`, which `str.split()` splits on: Unicode White_Space plus the ASCII separators
    /// U+001C…U+001F.
    static func isPythonSpace(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: true
        default: false
        }
    }
}
