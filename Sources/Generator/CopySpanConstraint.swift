/// Copy-constrained decoding: the output is a contiguous span of one context block's tokens, at least one token, so
/// its text is a verbatim substring of that block; invented content is impossible by construction.
import Tokenizers

public struct CopySpanConstraint: LogitsConstraint, Sendable {
    public let automaton: TokenSuffixAutomaton
    /// End-of-generation ids, allowed once at least one token was copied.
    public let endTokens: [Int32]
    /// First-token aliases: a token (`"Paris"`) standing for another (`" Paris"`) whose text ends with its own, so a
    /// span may begin inside a block token without its leading space (the text stays a substring of the block).
    /// Kept only where the alias itself cannot start a span and its target can.
    public let startAliases: [Int32: Int32]
    /// The tokens a span may begin with (nil: any token of the blocks), e.g. `wordStartTokens`.
    public let startTokens: Set<Int32>?
    /// The tokens allowed first (starts and aliases), computed once.
    private let firstTokens: [Int32]
    /// The automaton state of the span so far; -1 once a disallowed token was accepted.
    public private(set) var state: Int32 = TokenSuffixAutomaton.root
    /// Tokens accepted so far.
    public private(set) var accepted = 0

    public init(automaton: TokenSuffixAutomaton, endTokens: [Int32], startAliases: [Int32: Int32] = [:],
                startTokens: Set<Int32>? = nil) {
        self.automaton = automaton
        self.endTokens = endTokens
        self.startTokens = startTokens
        let root = TokenSuffixAutomaton.root
        func starts(_ t: Int32) -> Bool { automaton.step(root, t) != nil && (startTokens?.contains(t) ?? true) }
        // Only the aliases that can act: their target starts a span and they themselves do not.
        let aliases = startAliases.filter { starts($0.value) && !starts($0.key) }
        self.startAliases = aliases
        firstTokens = automaton.allowedTokens(root).filter(starts) + aliases.keys
    }

    /// - Parameters:
    ///   - blocks: the token ids of each block (a span never crosses from one block into the next).
    ///   - maxTokens: cap on the tokens of all blocks together (later tokens cannot be copied).
    public init(blocks: [[Int32]], endTokens: [Int32], startAliases: [Int32: Int32] = [:], startTokens: Set<Int32>? = nil,
                maxTokens: Int = TokenSuffixAutomaton.defaultMaxTokens) {
        self.init(automaton: TokenSuffixAutomaton(blocks: blocks, maxTokens: maxTokens), endTokens: endTokens,
                  startAliases: startAliases, startTokens: startTokens)
    }

    public var canEnd: Bool { state >= 0 && accepted > 0 }

    public var canContinue: Bool {
        guard state >= 0 else { return false }
        return accepted == 0 ? !firstTokens.isEmpty : automaton.hasContinuation(state)
    }

    /// The tokens allowed next, end of generation aside.
    public func allowedTokens() -> [Int32] {
        guard state >= 0 else { return [] }
        return accepted == 0 ? firstTokens : automaton.allowedTokens(state)
    }

    public func mask(logits: UnsafeMutablePointer<Float>, vocab: Int) {
        maskAllExcept(allowedTokens(), end: canEnd, endTokens: endTokens, logits: logits, vocab: vocab)
    }

    public mutating func accept(_ token: Int32) {
        guard state >= 0 else { return }
        if accepted == 0 {
            if let target = startAliases[token] {
                state = automaton.step(state, target) ?? -1
            } else if startTokens?.contains(token) ?? true, let s = automaton.step(state, token) {
                state = s
            } else {
                state = -1
            }
        } else {
            state = automaton.step(state, token) ?? -1
        }
        accepted += 1
    }
}

extension CopySpanConstraint {
    /// Each block's token ids as a prompt holds them: the block text tokenized alone, special-token strings as
    /// plain text. The pre-tokeniser cuts before a space, so a block placed in a prompt after a newline or space
    /// is tokenized the same inside the prompt (`locate` finds it there); in any case every span's text is a
    /// substring of the block.
    public static func blockTokens(_ blocks: [String], tokenizer: BPETokenizer) -> [[Int32]] {
        blocks.map { tokenizer.encode($0, parseSpecial: false, addBOS: false) }
    }

    /// Where `tokens` first occurs contiguously in `prompt`, nil when it does not.
    public static func locate(_ tokens: [Int32], in prompt: [Int32]) -> Range<Int>? {
        guard !tokens.isEmpty, tokens.count <= prompt.count else { return nil }
        var i = 0
        while i + tokens.count <= prompt.count {
            if prompt[i] == tokens[0] && prompt[i..<i + tokens.count].elementsEqual(tokens) { return i..<i + tokens.count }
            i += 1
        }
        return nil
    }

    /// The tokens that begin a word somewhere in `blocks`: a block's first token, a token whose text starts with a
    /// space, and a token (not starting with whitespace) after one ending in whitespace or ASCII punctuation. As
    /// `startTokens` they keep a span from starting inside a word ("iffel Tower"); a token that begins a word in one
    /// place may still be copied from another, so this is a filter on the first token, not on positions.
    public static func wordStartTokens(blocks: [[Int32]], tokenizer: BPETokenizer) -> Set<Int32> {
        func isBreak(_ b: UInt8) -> Bool {
            b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || (b < 0x80 && !(b >= 0x30 && b <= 0x39) && !(b >= 0x41 && b <= 0x5A) && !(b >= 0x61 && b <= 0x7A))
        }
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
        var out = Set<Int32>()
        for block in blocks {
            var previousLast: UInt8?
            for t in block {
                let bytes = tokenizer.pieceBytes(t, renderSpecial: false)
                guard let first = bytes.first else { continue }
                if previousLast == nil || first == 0x20 || (!isSpace(first) && isBreak(previousLast!)) { out.insert(t) }
                previousLast = bytes.last
            }
        }
        return out
    }

    /// Start aliases for `tokenizer`: every token that is another token's text without its leading space
    /// (`"Paris"` → `" Paris"`), so a copied span may start the answer without a space.
    public static func leadingSpaceAliases(tokenizer: BPETokenizer) -> [Int32: Int32] {
        var aliases: [Int32: Int32] = [:]
        let space = "\u{0120}"  // byte-level BPE's spelling of a space byte
        for (i, t) in tokenizer.tokens.enumerated() where t.hasPrefix(space) && t.count > 1 {
            guard tokenizer.types.isEmpty || tokenizer.types[i] == .normal else { continue }
            if let bare = tokenizer.id(of: String(t.dropFirst())), tokenizer.types[Int(bare)] == .normal {
                aliases[bare] = Int32(i)
            }
        }
        return aliases
    }
}
