/// The WordPiece vocabulary as an open-addressing hash table keyed by UTF-8 byte slices, so lookups need no String.
/// Word-initial pieces and `##` continuations are kept apart by hashing with different seeds (the `##` is not stored).

/// FNV-1a over bytes; computed incrementally so that every prefix of a candidate gets its hash in one pass.
@usableFromInline let fnvPrime: UInt64 = 0x0000_0100_0000_01B3
@usableFromInline let fnvSeedInitial: UInt64 = 0xCBF2_9CE4_8422_2325
@usableFromInline let fnvSeedContinuation: UInt64 = 0x84222325_CBF29CE4

final class WordPieceVocabulary: @unchecked Sendable {
    // Immutable after init; the raw buffers are freed in deinit.
    private struct Slot {
        var hash: UInt64
        var keyStart: Int32
        var keyLength: Int32
        var id: Int32
        var continuation: Bool
    }

    private let slots: UnsafeMutableBufferPointer<Slot>
    private let mask: Int
    private let arena: UnsafeMutableBufferPointer<UInt8>
    /// Token strings by id (for diagnostics and `rag tokenize` pieces).
    let tokens: [String]
    /// Longest key in bytes, per kind: no candidate longer than this can match, which bounds the greedy search.
    let maxInitialLength: Int
    let maxContinuationLength: Int

    /// `lines` are the vocabulary tokens; a token's id is its line number (vocab.txt order).
    init(lines: [[UInt8]]) {
        let capacity = max(16, (lines.count * 2).nextPowerOfTwo)
        mask = capacity - 1
        slots = .allocate(capacity: capacity)
        slots.initialize(repeating: Slot(hash: 0, keyStart: 0, keyLength: 0, id: -1, continuation: false))
        let total = lines.reduce(0) { $0 + $1.count }
        arena = .allocate(capacity: max(1, total))
        var tokens: [String] = []
        tokens.reserveCapacity(lines.count)
        var offset = 0
        var maxInitial = 0
        var maxContinuation = 0
        for (id, line) in lines.enumerated() {
            tokens.append(String(decoding: line, as: UTF8.self))
            let start = offset
            for b in line { arena[offset] = b; offset += 1 }
            var keyStart = start
            var continuation = false
            if line.count > 2 && line[0] == UInt8(ascii: "#") && line[1] == UInt8(ascii: "#") {
                keyStart += 2
                continuation = true
            }
            let keyLength = offset - keyStart
            var h = continuation ? fnvSeedContinuation : fnvSeedInitial
            for i in keyStart..<offset { h = (h ^ UInt64(arena[i])) &* fnvPrime }
            if continuation { maxContinuation = max(maxContinuation, keyLength) } else { maxInitial = max(maxInitial, keyLength) }
            // Later duplicates win, as in a Python dict built line by line.
            var index = Int(truncatingIfNeeded: h) & mask
            while slots[index].id >= 0 {
                let s = slots[index]
                if s.hash == h && s.continuation == continuation && Int(s.keyLength) == keyLength
                    && memEqual(arena.baseAddress! + Int(s.keyStart), arena.baseAddress! + keyStart, keyLength) {
                    break
                }
                index = (index + 1) & mask
            }
            slots[index] = Slot(hash: h, keyStart: Int32(keyStart), keyLength: Int32(keyLength), id: Int32(id),
                                continuation: continuation)
        }
        self.tokens = tokens
        maxInitialLength = maxInitial
        maxContinuationLength = maxContinuation
    }

    deinit {
        slots.deallocate()
        arena.deallocate()
    }

    var count: Int { tokens.count }

    /// The id of the piece `bytes[0..<length]` whose FNV hash (with the kind's seed) is `hash`, or -1.
    @inline(__always)
    func find(hash: UInt64, _ bytes: UnsafePointer<UInt8>, _ length: Int, continuation: Bool) -> Int32 {
        var index = Int(truncatingIfNeeded: hash) & mask
        let base = UnsafePointer(arena.baseAddress!)
        while true {
            let s = slots[index]
            if s.id < 0 { return -1 }
            if s.hash == hash && Int(s.keyLength) == length && s.continuation == continuation
                && memEqual(base + Int(s.keyStart), bytes, length) {
                return s.id
            }
            index = (index + 1) & mask
        }
    }

    /// Lookup of a whole token string as written in vocab.txt (e.g. "[CLS]", "##ing").
    func id(of token: String) -> Int32? {
        var bytes = Array(token.utf8)
        var continuation = false
        if bytes.count > 2 && bytes[0] == UInt8(ascii: "#") && bytes[1] == UInt8(ascii: "#") {
            bytes.removeFirst(2)
            continuation = true
        }
        var h = continuation ? fnvSeedContinuation : fnvSeedInitial
        for b in bytes { h = (h ^ UInt64(b)) &* fnvPrime }
        let id = bytes.withUnsafeBufferPointer { find(hash: h, $0.baseAddress ?? UnsafePointer(arena.baseAddress!), $0.count, continuation: continuation) }
        return id >= 0 ? id : nil
    }
}

@inline(__always)
func memEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
    var i = 0
    while i + 8 <= n {
        if UnsafeRawPointer(a + i).loadUnaligned(as: UInt64.self) != UnsafeRawPointer(b + i).loadUnaligned(as: UInt64.self) {
            return false
        }
        i += 8
    }
    while i < n {
        if a[i] != b[i] { return false }
        i += 1
    }
    return true
}

extension Int {
    var nextPowerOfTwo: Int {
        var p = 1
        while p < self { p <<= 1 }
        return p
    }
}
