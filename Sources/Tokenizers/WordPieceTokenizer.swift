/// BERT WordPiece tokenizer (the encoder's): basic tokenization and greedy longest-match WordPiece over UTF-8 bytes,
/// matching Hugging Face's `BertTokenizerFast` (normalizer `BertNormalizer`, pre-tokenizer `BertPreTokenizer`).
import Foundation
import RAGCore

public final class WordPieceTokenizer: TokenCounter, @unchecked Sendable {
    // Immutable after init: safe to share between threads.
    public let configuration: WordPieceConfiguration
    let vocabulary: WordPieceVocabulary
    public let unkID: Int32
    public let clsID: Int32
    public let sepID: Int32
    public let padID: Int32
    /// Special tokens matched verbatim in the raw text before normalization, as the fast tokenizer's added tokens are.
    let specials: [(bytes: [UInt8], id: Int32)]
    /// Per ASCII byte: its class, and its byte after lower-casing.
    let asciiClass: [ScalarClass]
    let asciiLower: [UInt8]
    let twoByte: TwoByteTable
    let normalizer: ScalarNormalizer

    /// Loads `vocab.txt` and `tokenizer_config.json` (and `sentence_bert_config.json` for the max length) from `directory`.
    public convenience init(directory: URL) throws {
        let configuration = try WordPieceConfiguration(directory: directory)
        let vocabURL = directory.appendingPathComponent("vocab.txt")
        guard let data = FileManager.default.contents(atPath: vocabURL.path) else {
            throw RAGError.missingFile(vocabURL.path)
        }
        var lines: [[UInt8]] = []
        lines.reserveCapacity(32_000)
        var current: [UInt8] = []
        for b in data {
            if b == 0x0A {
                lines.append(current)
                current.removeAll(keepingCapacity: true)
            } else {
                current.append(b)
            }
        }
        if !current.isEmpty { lines.append(current) }
        try self.init(vocabulary: lines, configuration: configuration, source: vocabURL.path)
    }

    /// A tokenizer from vocabulary lines (id = index) and a configuration.
    public init(vocabulary lines: [[UInt8]], configuration: WordPieceConfiguration, source: String = "vocabulary") throws {
        self.configuration = configuration
        let vocabulary = WordPieceVocabulary(lines: lines)
        self.vocabulary = vocabulary
        func special(_ token: String) throws -> Int32 {
            guard let id = vocabulary.id(of: token) else {
                throw RAGError.invalid(source, "special token \(token) is not in the vocabulary")
            }
            return id
        }
        unkID = try special(configuration.unkToken)
        clsID = try special(configuration.clsToken)
        sepID = try special(configuration.sepToken)
        padID = try special(configuration.padToken)
        var specials: [(bytes: [UInt8], id: Int32)] = []
        for token in [configuration.padToken, configuration.unkToken, configuration.clsToken, configuration.sepToken,
                      configuration.maskToken] {
            if let id = vocabulary.id(of: token), !token.isEmpty { specials.append((Array(token.utf8), id)) }
        }
        self.specials = specials.sorted { $0.bytes.count > $1.bytes.count }
        var cls = [ScalarClass](repeating: .word, count: 128)
        var lower = (0..<128).map { UInt8($0) }
        for b in 0..<128 {
            let s = Unicode.Scalar(UInt8(b))
            if b == 0 || ScalarNormalizer.isControl(s) { cls[b] = .drop }
            else if ScalarNormalizer.isWhitespace(s) { cls[b] = .space }
            else if ScalarNormalizer.isPunctuation(s) { cls[b] = .punctuation }
            if configuration.lowercase && b >= 0x41 && b <= 0x5A { lower[b] = UInt8(b) | 0x20 }
        }
        asciiClass = cls
        asciiLower = lower
        normalizer = ScalarNormalizer(lowercase: configuration.lowercase, stripAccents: configuration.stripAccents,
                                      splitCJK: configuration.splitCJK)
        twoByte = TwoByteTable(normalizer)
    }

    public var vocabularySize: Int { vocabulary.count }

    /// The vocabulary string of a token id ("[CLS]", "hello", "##ing").
    public func token(for id: Int32) -> String? {
        id >= 0 && Int(id) < vocabulary.tokens.count ? vocabulary.tokens[Int(id)] : nil
    }

    /// Token ids with [CLS] and [SEP], truncated to the model's max length (as sentence-transformers does).
    public func encode(_ text: String) -> [Int32] {
        encode(text, maxLength: configuration.maxLength)
    }

    /// Token ids with [CLS] and [SEP], at most `maxLength` of them in all.
    public func encode(_ text: String, maxLength: Int) -> [Int32] {
        let budget = max(0, maxLength - 2)
        var sink = IDSink(limit: budget)
        sink.ids.reserveCapacity(min(budget, text.utf8.count / 3 + 8) + 2)
        sink.ids.append(clsID)
        sink.limit += 1
        tokenize(text, into: &sink)
        sink.ids.append(sepID)
        return sink.ids
    }

    /// Token ids without special tokens and without truncation.
    public func tokenIDs(_ text: String) -> [Int32] {
        var sink = IDSink(limit: Int.max)
        tokenize(text, into: &sink)
        return sink.ids
    }

    /// Tokens of `text` without special tokens and without truncation.
    public func tokenCount(_ text: String) -> Int {
        var sink = CountSink()
        tokenize(text, into: &sink)
        return sink.count
    }

    // MARK: - The pipeline

    func tokenize<S: TokenSink>(_ text: String, into sink: inout S) {
        var text = text
        text.withUTF8 { utf8 in
            guard let base = utf8.baseAddress, utf8.count > 0 else { return }
            tokenize(bytes: base, count: utf8.count, into: &sink)
        }
    }

    /// Largest normalized word kept in bytes; longer words are [UNK] anyway (more than 100 characters).
    private static let wordCapacity = 1024

    private func tokenize<S: TokenSink>(bytes: UnsafePointer<UInt8>, count n: Int, into sink: inout S) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.wordCapacity) { wordBuffer in
            withUnsafeTemporaryAllocation(of: UInt64.self, capacity: Self.wordCapacity) { hashes in
                withUnsafeTemporaryAllocation(of: Int32.self, capacity: Self.wordCapacity) { pieces in
                    asciiClass.withUnsafeBufferPointer { classes in
                        asciiLower.withUnsafeBufferPointer { lower in
                            var state = WordState(word: wordBuffer.baseAddress!, hashes: hashes.baseAddress!,
                                                  pieces: pieces.baseAddress!)
                            run(bytes, n, classes.baseAddress!, lower.baseAddress!, &state, &sink)
                        }
                    }
                }
            }
        }
    }

    struct WordState {
        let word: UnsafeMutablePointer<UInt8>
        let hashes: UnsafeMutablePointer<UInt64>
        let pieces: UnsafeMutablePointer<Int32>
        var length = 0
        var chars = 0
    }

    @inline(__always)
    private func run<S: TokenSink>(_ p: UnsafePointer<UInt8>, _ n: Int, _ classes: UnsafePointer<ScalarClass>,
                                   _ lower: UnsafePointer<UInt8>, _ w: inout WordState, _ sink: inout S) {
        let capacity = Self.wordCapacity - 16
        var i = 0
        while i < n {
            let b = p[i]
            if b < 0x80 {
                switch classes[Int(b)] {
                case .word:
                    if w.length < capacity { w.word[w.length] = lower[Int(b)]; w.length += 1 }
                    w.chars += 1
                case .space:
                    if !flush(&w, &sink) { return }
                case .punctuation:
                    if b == UInt8(ascii: "["), let (id, length) = matchSpecial(p + i, n - i) {
                        if !flush(&w, &sink) || !sink.emit(id) { return }
                        i += length
                        continue
                    }
                    if !flush(&w, &sink) { return }
                    w.word[0] = lower[Int(b)]
                    w.length = 1
                    w.chars = 1
                    if !flush(&w, &sink) { return }
                case .drop, .complex:
                    break
                }
                i += 1
                continue
            }
            // Non-ASCII: decode the scalar (String's UTF-8 is valid).
            let scalarValue: UInt32
            let width: Int
            if b < 0xE0 {
                scalarValue = (UInt32(b & 0x1F) << 6) | UInt32(p[i + 1] & 0x3F)
                width = 2
            } else if b < 0xF0 {
                scalarValue = (UInt32(b & 0x0F) << 12) | (UInt32(p[i + 1] & 0x3F) << 6) | UInt32(p[i + 2] & 0x3F)
                width = 3
            } else {
                scalarValue = (UInt32(b & 0x07) << 18) | (UInt32(p[i + 1] & 0x3F) << 12)
                    | (UInt32(p[i + 2] & 0x3F) << 6) | UInt32(p[i + 3] & 0x3F)
                width = 4
            }
            i += width
            if scalarValue < TwoByteTable.end {
                let t = Int(scalarValue - TwoByteTable.first)
                let cls = twoByte.classes[t]
                if cls != .complex {
                    switch cls {
                    case .drop, .complex:
                        break
                    case .space:
                        if !flush(&w, &sink) { return }
                    case .word, .punctuation:
                        if cls == .punctuation && !flush(&w, &sink) { return }
                        let start = Int(twoByte.offsets[t]), end = Int(twoByte.offsets[t + 1])
                        if w.length + (end - start) <= capacity {
                            for k in start..<end { w.word[w.length] = twoByte.bytes[k]; w.length += 1 }
                        }
                        w.chars += Int(twoByte.chars[t])
                        if cls == .punctuation && !flush(&w, &sink) { return }
                    }
                    continue
                }
            }
            guard let scalar = Unicode.Scalar(scalarValue) else { continue }
            switch normalizer.normalize(scalar) {
            case .drop:
                break
            case .space:
                if !flush(&w, &sink) { return }
            case .cjk(let out):
                if !flush(&w, &sink) { return }
                for s in out { append(s, &w, capacity) }
                if !flush(&w, &sink) { return }
            case .pieces(let out):
                for piece in out {
                    if piece.isPunctuation {
                        if !flush(&w, &sink) { return }
                        append(piece.scalar, &w, capacity)
                        if !flush(&w, &sink) { return }
                    } else {
                        append(piece.scalar, &w, capacity)
                    }
                }
            }
        }
        _ = flush(&w, &sink)
    }

    @inline(__always)
    private func append(_ s: Unicode.Scalar, _ w: inout WordState, _ capacity: Int) {
        w.chars += 1
        for b in UTF8.encode(s)! where w.length < capacity {
            w.word[w.length] = b
            w.length += 1
        }
    }

    /// A special token spelled out at `p` ("[SEP]"), matched case-sensitively on the raw text.
    @inline(__always)
    private func matchSpecial(_ p: UnsafePointer<UInt8>, _ available: Int) -> (Int32, Int)? {
        for special in specials where special.bytes.count <= available {
            let matched = special.bytes.withUnsafeBufferPointer { memEqual($0.baseAddress!, p, $0.count) }
            if matched { return (special.id, special.bytes.count) }
        }
        return nil
    }

    /// Emits the WordPiece tokens of the pending word (if any) and clears it. Returns false when the sink is full.
    @inline(__always)
    private func flush<S: TokenSink>(_ w: inout WordState, _ sink: inout S) -> Bool {
        if w.chars == 0 { return true }
        defer { w.length = 0; w.chars = 0 }
        if w.chars > configuration.maxInputCharsPerWord { return sink.emit(unkID) }
        let word = UnsafePointer(w.word)
        let n = w.length
        var start = 0
        var count = 0
        while start < n {
            let continuation = start > 0
            let limit = min(n, start + (continuation ? vocabulary.maxContinuationLength : vocabulary.maxInitialLength))
            var h = continuation ? fnvSeedContinuation : fnvSeedInitial
            var k = start
            while k < limit {
                h = (h ^ UInt64(word[k])) &* fnvPrime
                w.hashes[k - start] = h
                k += 1
            }
            var end = limit
            var found: Int32 = -1
            while end > start {
                if end == n || (word[end] & 0xC0) != 0x80 {
                    let id = vocabulary.find(hash: w.hashes[end - start - 1], word + start, end - start,
                                             continuation: continuation)
                    if id >= 0 { found = id; break }
                }
                end -= 1
            }
            if found < 0 { return sink.emit(unkID) }
            w.pieces[count] = found
            count += 1
            start = end
        }
        for k in 0..<count where !sink.emit(w.pieces[k]) { return false }
        return true
    }
}

/// Where tokenization sends ids; `emit` returns false when no more are wanted (truncation), which stops the scan.
protocol TokenSink {
    mutating func emit(_ id: Int32) -> Bool
}

struct CountSink: TokenSink {
    var count = 0
    @inline(__always) mutating func emit(_ id: Int32) -> Bool { count += 1; return true }
}

struct IDSink: TokenSink {
    var ids: [Int32] = []
    var limit: Int
    init(limit: Int) { self.limit = limit }
    @inline(__always) mutating func emit(_ id: Int32) -> Bool {
        if ids.count >= limit { return false }
        ids.append(id)
        return ids.count < limit
    }
}
