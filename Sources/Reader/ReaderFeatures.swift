/// Per-token features of a (question, passage window) pair for the span reader. They must equal, feature for
/// feature, what the reader was trained on (`scripts/train-reader`): the layout is part of the weights' format.
///
/// Layout (1,201 columns): encoder layer 5 state (384) · layer 3 state (384) · layer 5 ⊙ mean question state (384) ·
/// 20 lexical flags · 14 wh-class one-hot · 3 similarities to the question · 12 flags of the neighbouring tokens.
import Foundation
import Tokenizers

public enum ReaderFeatures {
    public static let hidden = 384
    public static let flagCount = 20
    public static let count = 3 * hidden + flagCount + QuestionKind.classes.count + 3 + 12

    static let stopwords: Set<String> = Set(("a an the of in on at to for and or is are was were be been by with from as that " +
        "this which what who whom whose when where why how did do does it its his her their he she they than then there " +
        "these those into during over under about after before also can could would should may might not no")
        .split(separator: " ").map(String.init))

    /// One passage token of a window: its id, vocabulary string, and the place of its first character in the text.
    struct Token {
        var id: Int32
        var piece: String
        var isContinuation: Bool
        var charStart: Int
    }

    /// Words of a token sequence: the word index of each token and each word's text (pieces joined, `##` dropped).
    static func words(_ pieces: [String]) -> (index: [Int], text: [String]) {
        var index: [Int] = []
        var text: [String] = []
        for p in pieces {
            if p.hasPrefix("##"), !text.isEmpty { text[text.count - 1] += p.dropFirst(2) } else { text.append(p) }
            index.append(text.count - 1)
        }
        return (index, text)
    }

    static let punctuation = Set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")

    /// Fills `out` (tokens × count, row-major) for one window.
    /// - Parameters:
    ///   - tokens: the window's passage tokens; `scalars` the passage text's Unicode scalars.
    ///   - questionPieces: the question's vocabulary strings; `whClass` its `QuestionKind.whClass`.
    ///   - layer5/layer3: the encoder states of the passage tokens (tokens × hidden); `question5`: of the question tokens.
    static func compute(tokens: [Token], scalars: [Unicode.Scalar], questionPieces: [String], whClass: Int,
                        layer5: UnsafePointer<Float>, layer3: UnsafePointer<Float>, question5: UnsafePointer<Float>,
                        questionCount: Int, out: UnsafeMutablePointer<Float>) {
        let n = tokens.count, h = hidden, d = count
        let (wid, ws) = words(tokens.map(\.piece))
        let qWords = Set(words(questionPieces).text)
        let qContent = qWords.filter { !stopwords.contains($0) && !($0.count == 1 && punctuation.contains($0.first!)) }
        let qStems = Set(qContent.map { String($0.prefix(5)) })
        var em = [Float](repeating: 0, count: n), es = [Float](repeating: 0, count: n)
        var flags = [Float](repeating: 0, count: n * flagCount)
        for i in 0..<n {
            let w = ws[wid[i]]
            em[i] = qContent.contains(w) ? 1 : 0
            es[i] = qStems.contains(String(w.prefix(5))) && !stopwords.contains(w) ? 1 : 0
            let f = i * flagCount
            flags[f] = em[i]
            flags[f + 1] = es[i]
            flags[f + 2] = tokens[i].isContinuation ? 0 : 1
            flags[f + 3] = (i + 1 == n || !tokens[i + 1].isContinuation) ? 1 : 0
            let at = tokens[i].charStart
            let c: Unicode.Scalar = at < scalars.count ? scalars[at] : " "
            flags[f + 4] = c.properties.isUppercase ? 1 : 0
            flags[f + 5] = (c.properties.numericType == .decimal || c.properties.numericType == .digit) ? 1 : 0
            let p = tokens[i].piece
            flags[f + 6] = (p.count == 1 && punctuation.contains(p.first!)) ? 1 : 0
            flags[f + 7] = stopwords.contains(w) ? 1 : 0
        }
        // Density of question words in windows to the left and right.
        for (k, (a, b)) in [(1, 3), (4, 10), (11, 20)].enumerated() {
            let width = Float(b - a + 1)
            for i in 0..<n {
                var left: Float = 0, right: Float = 0
                let l0 = max(0, i - b), l1 = max(0, i - a + 1)
                if l0 < l1 { for t in l0..<l1 { left += em[t] } }
                let r0 = i + a, r1 = min(n, i + b + 1)
                if r0 < r1 { for t in r0..<r1 { right += em[t] } }
                flags[i * flagCount + 8 + 2 * k] = left / width
                flags[i * flagCount + 9 + 2 * k] = right / width
            }
        }
        for i in 0..<n { flags[i * flagCount + 14] = Float(i) / 400 }
        // Question words in the token's sentence (sentences end after `.`, `?`, `!`).
        var sentence = [Int](repeating: 0, count: n)
        var sid = 0
        for i in 0..<n {
            sentence[i] = sid
            if tokens[i].piece == "." || tokens[i].piece == "?" || tokens[i].piece == "!" { sid += 1 }
        }
        var emSum = [Float](repeating: 0, count: sid + 1), esSum = emSum
        for i in 0..<n { emSum[sentence[i]] += em[i]; esSum[sentence[i]] += es[i] }
        let qn = Float(max(1, qContent.count))
        for i in 0..<n {
            flags[i * flagCount + 15] = emSum[sentence[i]] / qn
            flags[i * flagCount + 16] = esSum[sentence[i]] / qn
        }
        // Mean question state, question-token norms.
        var qMean = [Float](repeating: 0, count: h)
        for j in 0..<questionCount { for c in 0..<h { qMean[c] += question5[j * h + c] } }
        for c in 0..<h { qMean[c] /= Float(max(1, questionCount)) }
        let qMeanNorm = max(norm(qMean, h), 1e-12)
        let qNorms = (0..<questionCount).map { max(norm(question5 + $0 * h, h), 1e-12) }
        let whBase = 3 * h + flagCount
        let simBase = whBase + QuestionKind.classes.count
        let nbBase = simBase + 3
        let neighbour = [0, 4, 5, 6, 7, 1]
        for i in 0..<n {
            let row = out + i * d
            let s5 = layer5 + i * h, s3 = layer3 + i * h
            for c in 0..<h {
                row[c] = s5[c]
                row[h + c] = s3[c]
                row[2 * h + c] = s5[c] * qMean[c]
            }
            for k in 0..<flagCount { row[3 * h + k] = flags[i * flagCount + k] }
            for k in 0..<QuestionKind.classes.count { row[whBase + k] = k == whClass ? 1 : 0 }
            let tNorm = max(norm(s5, h), 1e-12)
            var best = -Float.infinity, sum: Float = 0
            for j in 0..<questionCount {
                let cos = dot(s5, question5 + j * h, h) / (tNorm * qNorms[j])
                best = max(best, cos)
                sum += cos
            }
            row[simBase] = questionCount > 0 ? best : 0
            row[simBase + 1] = questionCount > 0 ? sum / Float(questionCount) : 0
            row[simBase + 2] = qMean.withUnsafeBufferPointer { dot(s5, $0.baseAddress!, h) } / (tNorm * qMeanNorm)
            for (k, f) in neighbour.enumerated() {
                row[nbBase + k] = i > 0 ? flags[(i - 1) * flagCount + f] : 0
                row[nbBase + 6 + k] = i + 1 < n ? flags[(i + 1) * flagCount + f] : 0
            }
        }
    }

    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var s: Float = 0
        for i in 0..<n { s += a[i] * b[i] }
        return s
    }

    static func norm(_ a: UnsafePointer<Float>, _ n: Int) -> Float { dot(a, a, n).squareRoot() }
    static func norm(_ a: [Float], _ n: Int) -> Float { a.withUnsafeBufferPointer { norm($0.baseAddress!, n) } }
}
