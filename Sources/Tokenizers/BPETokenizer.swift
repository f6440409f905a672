/// Byte-level BPE (GPT-2 family): special tokens split out first, pre-tokenisation, merges by rank, byte fallback.
import HeapModule
import RAGCore

/// A byte-level BPE tokenizer constructed from a vocabulary, merge list and token types (as a GGUF stores them).
public final class BPETokenizer: Sendable {
    /// GGUF token types.
    public enum TokenType: Int, Sendable { case normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6 }

    public let tokens: [String]
    public let types: [TokenType]
    public let preTokenizer: BPEPreTokenizer
    public let bosID: Int32?
    public let eosID: Int32?
    public let addBOS: Bool
    /// Ids that end generation (EOS and end-of-text style control tokens).
    public let endOfGenerationIDs: Set<Int32>
    private let ids: [String: Int32]
    private let mergeRanks: [String: Int]
    /// Control and user-defined tokens matched as whole strings when special parsing is on, longest first.
    private let specials: [(text: [UInt8], id: Int32)]
    /// Raw bytes of every token (control tokens: their text).
    private let pieceBytes: [[UInt8]]
    /// The strings special parsing turns into control tokens, longest first.
    private let specialTexts: [String]

    public var vocabularySize: Int { tokens.count }

    /// - Parameters:
    ///   - merges: "left right" pairs, earliest = highest priority.
    ///   - types: GGUF token types per id (1 normal, 3 control, …); empty means all normal.
    public init(tokens: [String], merges: [String], types: [Int] = [], preTokenizer: BPEPreTokenizer,
                bosID: Int32? = nil, eosID: Int32? = nil, addBOS: Bool = false, endOfGenerationIDs: Set<Int32> = []) throws {
        guard !tokens.isEmpty else { throw RAGError(.invalidTokenizer, "tokenizer vocabulary is empty") }
        guard types.isEmpty || types.count == tokens.count else {
            throw RAGError(.invalidTokenizer, "token types: \(types.count) entries for \(tokens.count) tokens")
        }
        self.tokens = tokens
        self.types = types.isEmpty ? Array(repeating: .normal, count: tokens.count) : types.map { TokenType(rawValue: $0) ?? .normal }
        self.preTokenizer = preTokenizer
        self.bosID = bosID
        self.eosID = eosID
        self.addBOS = addBOS
        var ids: [String: Int32] = [:]
        ids.reserveCapacity(tokens.count)
        for (i, t) in tokens.enumerated() where ids[t] == nil { ids[t] = Int32(i) }
        self.ids = ids
        var ranks: [String: Int] = [:]
        ranks.reserveCapacity(merges.count)
        for (i, m) in merges.enumerated() {
            let parts = m.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { throw RAGError(.invalidTokenizer, "merge \(i) \"\(m)\" is not \"left right\"") }
            if ranks[m] == nil { ranks[m] = i }
        }
        self.mergeRanks = ranks
        let types = self.types
        var specials: [(text: [UInt8], id: Int32)] = []
        var pieces: [[UInt8]] = []
        pieces.reserveCapacity(tokens.count)
        for (i, t) in tokens.enumerated() {
            switch types[i] {
            case .control, .userDefined, .unknown:
                pieces.append(Array(t.utf8))
                if types[i] != .unknown || t.hasPrefix("<") { specials.append((Array(t.utf8), Int32(i))) }
            default:
                pieces.append(BPEByteLevel.decode(t))
            }
        }
        self.specials = specials.sorted { $0.text.count > $1.text.count }
        self.specialTexts = self.specials.map { String(decoding: $0.text, as: UTF8.self) }.filter { !$0.isEmpty }
        self.pieceBytes = pieces
        var eog = endOfGenerationIDs
        if let e = eosID { eog.insert(e) }
        self.endOfGenerationIDs = eog
    }

    /// Token ids of `text`. With `parseSpecial`, control-token strings such as `<|im_start|>` become their ids;
    /// `addBOS` nil follows the model's default.
    public func encode(_ text: String, parseSpecial: Bool = true, addBOS: Bool? = nil) -> [Int32] {
        var out: [Int32] = []
        if addBOS ?? self.addBOS, let b = bosID { out.append(b) }
        let bytes = Array(text.utf8)
        if !parseSpecial || specials.isEmpty {
            encodeOrdinary(text, into: &out)
            return out
        }
        // Split out special tokens: fragments are (raw range) or (special id), longest specials first.
        enum Fragment { case raw(Range<Int>), special(Int32) }
        var frags: [Fragment] = [.raw(0..<bytes.count)]
        for sp in specials {
            var next: [Fragment] = []
            for f in frags {
                guard case .raw(let r) = f else { next.append(f); continue }
                var start = r.lowerBound
                var i = r.lowerBound
                let n = sp.text.count
                while i + n <= r.upperBound {
                    if bytes[i] == sp.text[0] && bytes[i..<i + n].elementsEqual(sp.text) {
                        if i > start { next.append(.raw(start..<i)) }
                        next.append(.special(sp.id))
                        i += n
                        start = i
                    } else {
                        i += 1
                    }
                }
                if start < r.upperBound { next.append(.raw(start..<r.upperBound)) }
            }
            frags = next
        }
        for f in frags {
            switch f {
            case .special(let id): out.append(id)
            case .raw(let r): encodeOrdinary(String(decoding: bytes[r], as: UTF8.self), into: &out)
            }
        }
        return out
    }

    /// `text` with every special-token string broken by a WORD JOINER (U+2060) after its first character, so text
    /// from a document or a user can never act as a role marker (`<|im_start|>system`) in a prompt that is
    /// tokenized with special parsing on; the model sees ordinary tokens instead.
    public func escapingSpecialTokens(_ text: String) -> String {
        var out = text
        for special in specialTexts where out.contains(special) {
            out = out.replacingOccurrences(of: special, with: String(special.prefix(1)) + "\u{2060}" + String(special.dropFirst()))
        }
        return out
    }

    private func encodeOrdinary(_ text: String, into out: inout [Int32]) {
        for piece in preTokenizer.split(text) {
            let word = BPEByteLevel.encode(String(String.UnicodeScalarView(piece)).utf8)
            if let id = ids[word] { out.append(id); continue }
            for sym in bpe(word) {
                if let id = ids[sym] {
                    out.append(id)
                } else {
                    // Byte fallback: one token per byte of the symbol.
                    for b in BPEByteLevel.decode(sym) {
                        if let id = ids[String(BPEByteLevel.byteToScalar[Int(b)])] { out.append(id) }
                    }
                }
            }
        }
    }

    /// Applies merges by rank (lowest first, leftmost on ties) to one pre-tokenised word in the byte alphabet.
    ///
    /// Symbols form a linked list and candidate pairs wait in a min-heap keyed by (rank, position), as llama.cpp's
    /// BPE session does: each merge costs O(log n), so a word of n symbols takes O(n log n) instead of the O(n²)
    /// of rescanning the word after every merge (a 16k-letter run took 8.7 s that way).
    func bpe(_ word: String) -> [String] {
        var syms = word.unicodeScalars.map { String($0) }
        let n = syms.count
        guard n > 1 else { return syms }
        // Byte-alphabet lengths of the symbols (in unicode scalars): a pair is still valid only if both sides kept
        // the lengths they had when it was queued (a merge only ever grows the left side and kills the right).
        var length = [Int](repeating: 1, count: n)
        var prev = Array(-1..<(n - 1))
        var next = Array(1...n)
        next[n - 1] = -1
        var queue = Heap<BPEPair>()
        func enqueue(_ left: Int, _ right: Int) {
            if let r = mergeRanks[syms[left] + " " + syms[right]] {
                queue.insert(BPEPair(rank: r, left: left, right: right, leftLength: length[left], rightLength: length[right]))
            }
        }
        for i in 0..<(n - 1) { enqueue(i, i + 1) }
        while let p = queue.popMin() {
            // Stale entries: a side was merged away or grew since the pair was queued.
            guard length[p.left] == p.leftLength, length[p.right] == p.rightLength, next[p.left] == p.right else { continue }
            syms[p.left] += syms[p.right]
            length[p.left] += length[p.right]
            length[p.right] = 0
            let after = next[p.right]
            next[p.left] = after
            if after >= 0 { prev[after] = p.left }
            if prev[p.left] >= 0 { enqueue(prev[p.left], p.left) }
            if after >= 0 { enqueue(p.left, after) }
        }
        var out: [String] = []
        var i = 0
        while i >= 0 { out.append(syms[i]); i = next[i] }
        return out
    }

    /// Raw bytes of one token; control tokens give their text only when `renderSpecial`.
    public func pieceBytes(_ id: Int32, renderSpecial: Bool = true) -> [UInt8] {
        guard id >= 0, Int(id) < pieceBytes.count else { return [] }
        switch types[Int(id)] {
        case .control, .unknown, .unused: return renderSpecial ? pieceBytes[Int(id)] : []
        default: return pieceBytes[Int(id)]
        }
    }

    /// The text of one token (bytes of an incomplete UTF-8 character become U+FFFD).
    public func piece(_ id: Int32, renderSpecial: Bool = true) -> String {
        String(decoding: pieceBytes(id, renderSpecial: renderSpecial), as: UTF8.self)
    }

    /// The text of `ids`, bytes concatenated before UTF-8 decoding.
    public func decode(_ ids: [Int32], renderSpecial: Bool = false) -> String {
        var bytes: [UInt8] = []
        for id in ids { bytes.append(contentsOf: pieceBytes(id, renderSpecial: renderSpecial)) }
        return String(decoding: bytes, as: UTF8.self)
    }

    public func id(of token: String) -> Int32? { ids[token] }

    public func isControl(_ id: Int32) -> Bool {
        id >= 0 && Int(id) < types.count && types[Int(id)] == .control
    }
}

/// A candidate merge: lower rank first, then the leftmost (left symbols keep their index, which is their order).
fileprivate struct BPEPair: Comparable {
    let rank: Int
    let left: Int
    let right: Int
    let leftLength: Int
    let rightLength: Int

    static func < (a: BPEPair, b: BPEPair) -> Bool { a.rank != b.rank ? a.rank < b.rank : a.left < b.left }
}
