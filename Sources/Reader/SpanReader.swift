/// Extractive span reader: reads a question with each passage through the sentence encoder fine-tuned as a reader
/// (all-MiniLM-L6-v2 with trained low-rank adapters merged in; jointly, as one [CLS] question [SEP] passage [SEP]
/// sequence), scores every token as the start and end of the answer with a linear head over the last layer, and
/// returns the best spans — always verbatim substrings of a passage, word-aligned. A span's score is its start +
/// end logit minus the window's [CLS] ("no answer here") start + end logit: the reader was trained to point at
/// [CLS] in passages without the answer, so scores compare across passages.
import Dispatch
import Encoder
import Foundation
import Kernels
import RAGCore
import Tokenizers

/// One answer span: `text` is the passage's Unicode scalars `start..<end`.
public struct ReaderSpan: Sendable, Equatable {
    public var passage: Int
    public var start: Int
    public var end: Int
    public var text: String
    /// Start logit + end logit: comparable across the passages of one `read` call.
    public var score: Float
}

public final class SpanReader: @unchecked Sendable {  // immutable after init
    /// One passage token of a window: its id, vocabulary string, and the place of its first character in the text.
    struct Token {
        var id: Int32
        var piece: String
        var isContinuation: Bool
        var charStart: Int
    }

    public let encoder: MiniLMEncoder
    public let weights: ReaderWeights
    /// Longest joint sequence (the encoder's position limit caps it).
    public let maxSequence: Int
    public static let maxQuestionTokens = 48
    public static let maxSpanTokens = 25
    /// Windows read per passage at most (a long passage is read in overlapping windows).
    public static let maxWindowsPerPassage = 8

    public init(encoder: MiniLMEncoder, weights: ReaderWeights) throws {
        guard encoder.config.hiddenSize == weights.hidden else {
            throw RAGError(.modelInvalid, "the span reader's head is \(weights.hidden) wide; this encoder's states are \(encoder.config.hiddenSize)")
        }
        self.encoder = encoder
        self.weights = weights
        maxSequence = min(384, encoder.config.maxPositions)
    }

    /// The best `limit` spans over all passages, best first (distinct text ranges). Empty when the question has no
    /// tokens or no passage has text.
    public func read(question: String, passages: [String], limit: Int = 5) throws -> [ReaderSpan] {
        let tokenizer = encoder.tokenizer
        let qIDs = Array(tokenizer.tokenIDs(question.trimmingCharacters(in: .whitespacesAndNewlines)).prefix(Self.maxQuestionTokens))
        guard !qIDs.isEmpty else { return [] }
        let room = maxSequence - qIDs.count - 3

        struct Window { var passage: Int; var tokens: [Token]; var wordEnd: [Int] }
        var windows: [Window] = []
        var scalarsOf: [[Unicode.Scalar]] = []
        for (p, text) in passages.enumerated() {
            let scalars = Array(text.unicodeScalars)
            scalarsOf.append(scalars)
            let (tokens, wordEnds) = passageTokens(text)
            guard !tokens.isEmpty else { continue }
            let stride = max(1, room / 2)
            var start = 0
            for _ in 0..<Self.maxWindowsPerPassage {
                let end = min(tokens.count, start + room)
                windows.append(Window(passage: p, tokens: Array(tokens[start..<end]), wordEnd: Array(wordEnds[start..<end])))
                if end == tokens.count { break }
                start += stride
            }
        }
        guard !windows.isEmpty else { return [] }
        let allWindows = windows, allScalars = scalarsOf

        let results = WindowResults(count: windows.count)
        let next = WorkCounter()
        DispatchQueue.concurrentPerform(iterations: min(windows.count, max(1, encoder.workers))) { _ in
            while let w = next.take(below: allWindows.count) {
                let window = allWindows[w]
                results.set(w, Result {
                    try self.score(window.tokens, wordEnds: window.wordEnd, scalars: allScalars[window.passage],
                                   passage: window.passage, qIDs: qIDs, limit: limit)
                })
            }
        }
        let spans = try results.all()
        var seen = Set<[Int]>()
        var best: [ReaderSpan] = []
        for span in spans.sorted(by: { $0.score > $1.score }) where seen.insert([span.passage, span.start, span.end]).inserted {
            best.append(span)
            if best.count == limit { break }
        }
        return best
    }

    /// The passage's WordPiece tokens with the place of each in the text, and the end of each token's word.
    func passageTokens(_ text: String) -> (tokens: [Token], wordEnds: [Int]) {
        let tokenizer = encoder.tokenizer
        var tokens: [Token] = []
        var wordEnds: [Int] = []
        for word in tokenizer.words(text) {
            var at = word.start
            for (k, id) in word.ids.enumerated() {
                let piece = tokenizer.token(for: id) ?? "[UNK]"
                tokens.append(.init(id: id, piece: piece, isContinuation: k > 0 && piece.hasPrefix("##"), charStart: min(at, word.end)))
                wordEnds.append(word.end)
                at += piece.hasPrefix("##") ? piece.unicodeScalars.count - 2 : (piece == "[UNK]" ? word.end - word.start : piece.unicodeScalars.count)
            }
        }
        return (tokens, wordEnds)
    }

    /// Start and end logits (interleaved) of the first window of `passage` read with `question`, then the [CLS]
    /// token's pair (for tests).
    func firstWindowLogits(question: String, passage: String) throws -> [Float] {
        let tokenizer = encoder.tokenizer
        let qIDs = Array(tokenizer.tokenIDs(question.trimmingCharacters(in: .whitespacesAndNewlines)).prefix(Self.maxQuestionTokens))
        let (tokens, _) = passageTokens(passage)
        let window = Array(tokens.prefix(maxSequence - qIDs.count - 3))
        let (y, null) = try logits(window, qIDs: qIDs)
        return y + [null.start, null.end]
    }

    /// `start..<end` without punctuation that cannot belong to an answer: a trailing `,;:` or sentence-final `.`, and
    /// an opening or closing bracket or quote without its partner inside the span. Nil when nothing is left.
    static func trimmed(_ s: [Unicode.Scalar], _ start: Int, _ end: Int) -> (Int, Int)? {
        var lo = start, hi = min(end, s.count)
        let pairs: [Unicode.Scalar: Unicode.Scalar] = ["(": ")", "[": "]", "{": "}", "\u{201C}": "\u{201D}", "\u{2018}": "\u{2019}"]
        let closers = Dictionary(uniqueKeysWithValues: pairs.map { ($1, $0) })
        func has(_ c: Unicode.Scalar) -> Bool { s[lo..<hi].contains(c) }
        var changed = true
        while changed && lo < hi {
            changed = false
            let last = s[hi - 1], first = s[lo]
            if [",", ";", ":", "\"", "'"].contains(last) || (last == "." && !s[lo..<(hi - 1)].contains(".")) || pairs[last] != nil
                || (closers[last].map { !has($0) } ?? false) {
                hi -= 1; changed = true; continue
            }
            if [",", ";", ":", ".", "\"", "'"].contains(first) || closers[first] != nil || (pairs[first].map { !has($0) } ?? false) {
                lo += 1; changed = true; continue
            }
            while lo < hi && s[lo].properties.isWhitespace { lo += 1; changed = true }
            while hi > lo && s[hi - 1].properties.isWhitespace { hi -= 1; changed = true }
        }
        return lo < hi ? (lo, hi) : nil
    }

    func score(_ tokens: [Token], wordEnds: [Int], scalars: [Unicode.Scalar], passage: Int, qIDs: [Int32],
               limit: Int) throws -> [ReaderSpan] {
        let (y, null) = try logits(tokens, qIDs: qIDs)
        return decode(y, null: null.start + null.end, tokens: tokens, wordEnds: wordEnds, scalars: scalars, passage: passage,
                      n: tokens.count, limit: limit)
    }

    /// Start and end logits (interleaved, bias included) of each passage token of one window, and the [CLS] token's.
    func logits(_ tokens: [Token], qIDs: [Int32]) throws -> (y: [Float], null: (start: Float, end: Float)) {
        let tokenizer = encoder.tokenizer
        let ids = [tokenizer.clsID] + qIDs + [tokenizer.sepID] + tokens.map(\.id) + [tokenizer.sepID]
        let types = [Int32](repeating: 0, count: qIDs.count + 2) + [Int32](repeating: 1, count: tokens.count + 1)
        let states = try encoder.tokenStates(ids, tokenTypes: types, layers: [encoder.config.layers - 1])[0]
        let h = weights.hidden, base = qIDs.count + 2, n = tokens.count
        var y = [Float](repeating: 0, count: (n + 1) * 2)
        states.withUnsafeBufferPointer { sp in
            y.withUnsafeMutableBufferPointer { yp in
                // Passage rows, then [CLS] (row 0 of the sequence) last.
                Sgemm.abT(m: n, n: 2, k: h, a: sp.baseAddress! + base * h, lda: h, b: weights.head, ldb: h, c: yp.baseAddress!, ldc: 2)
                Sgemm.abT(m: 1, n: 2, k: h, a: sp.baseAddress!, lda: h, b: weights.head, ldb: h, c: yp.baseAddress! + 2 * n, ldc: 2)
            }
        }
        for r in 0...n { y[2 * r] += weights.headBias[0]; y[2 * r + 1] += weights.headBias[1] }
        let null = (start: y[2 * n], end: y[2 * n + 1])
        return (Array(y.prefix(2 * n)), null)
    }

    func decode(_ y: [Float], null: Float, tokens: [Token], wordEnds: [Int], scalars: [Unicode.Scalar], passage: Int, n: Int,
                limit: Int) -> [ReaderSpan] {
        // Best end for each word-initial start within maxSpanTokens, ending at a word end, never across a line break
        // (a heading, a list item, a code line ends there) or a table's `|` cell separator.
        var breakAfter = [Bool](repeating: false, count: n)
        for j in 0..<(n - 1) where wordEnds[j] < tokens[j + 1].charStart {
            breakAfter[j] = scalars[wordEnds[j]..<min(tokens[j + 1].charStart, scalars.count)].contains("\n")
        }
        var spans: [ReaderSpan] = []
        for i in 0..<n where !tokens[i].isContinuation {
            var bestJ = -1
            var bestEnd = -Float.infinity
            if tokens[i].piece == "|" { continue }
            for j in i..<min(n, i + Self.maxSpanTokens) {
                if j > i && tokens[j].piece == "|" { break }  // a table cell ends there
                if j + 1 == n || !tokens[j + 1].isContinuation {
                    let e = y[j * 2 + 1]
                    if e > bestEnd { bestEnd = e; bestJ = j }
                }
                if breakAfter[j] { break }
            }
            guard bestJ >= 0 else { continue }
            guard let (start, end) = Self.trimmed(scalars, tokens[i].charStart, wordEnds[bestJ]) else { continue }
            var text = String.UnicodeScalarView()
            text.append(contentsOf: scalars[start..<end])
            spans.append(ReaderSpan(passage: passage, start: start, end: end, text: String(text), score: y[i * 2] + bestEnd - null))
        }
        return Array(spans.sorted { $0.score > $1.score }.prefix(max(limit, 1) * 4))
    }
}

/// Each window's spans, written by the worker that scored it.
private final class WindowResults: @unchecked Sendable {  // guarded by `lock`
    private let lock = NSLock()
    private var results: [Result<[ReaderSpan], any Error>?]
    init(count: Int) { results = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ r: Result<[ReaderSpan], any Error>) { lock.withLock { results[i] = r } }
    /// Every window's spans, or the first error.
    func all() throws -> [ReaderSpan] { try lock.withLock { try results.flatMap { try $0?.get() ?? [] } } }
}

extension SpanReader {
    /// The reader over the encoder in `modelsDirectory/minilm` (fp32, the trained adapters merged in) with the bundled
    /// weights, or the file `RAG_READER_WEIGHTS` names. Nil when the encoder files are not there.
    public static func load(modelsDirectory: String, workers: Int? = nil) throws -> SpanReader? {
        let directory = URL(fileURLWithPath: modelsDirectory).appendingPathComponent("minilm")
        guard FileManager.default.fileExists(atPath: directory.appendingPathComponent("vocab.txt").path) else { return nil }
        let override = ProcessInfo.processInfo.environment["RAG_READER_WEIGHTS"].flatMap { $0.isEmpty ? nil : $0 }
        guard let path = override ?? ReaderWeights.bundledPath() else {
            throw RAGError(.modelMissing, "the span reader's weights (span-reader.safetensors) are missing from this build")
        }
        let weights = try ReaderWeights(path: path)
        let encoder = try MiniLMEncoder(directory: directory, precision: .fp32, workers: workers, patch: weights.encoderPatch)
        return try SpanReader(encoder: encoder, weights: weights)
    }
}
