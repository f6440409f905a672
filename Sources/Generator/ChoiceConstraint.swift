/// Choice-constrained decoding: the output is exactly one of a fixed list of token sequences (a trie over them),
/// e.g. `yes` / `no` for a yes/no question. End of generation is allowed only at a complete choice.
import Tokenizers

public struct ChoiceConstraint: LogitsConstraint, Sendable {
    /// Trie nodes: children by token, and whether a choice ends at the node.
    private var children: [[Int32: Int32]] = [[:]]
    private var terminal: [Bool] = [false]
    public let endTokens: [Int32]
    /// The trie node of the output so far; -1 once a disallowed token was accepted.
    public private(set) var node: Int32 = 0

    /// - Parameter choices: each choice's token ids (empty choices are ignored: the answer is never empty).
    public init(choices: [[Int32]], endTokens: [Int32]) {
        self.endTokens = endTokens
        for choice in choices where !choice.isEmpty {
            var n = 0
            for t in choice {
                if let c = children[n][t] {
                    n = Int(c)
                } else {
                    children.append([:])
                    terminal.append(false)
                    children[n][t] = Int32(children.count - 1)
                    n = children.count - 1
                }
            }
            terminal[n] = true
        }
    }

    /// The choices as `tokenizer` encodes each string alone (special-token strings as plain text).
    public init(choices: [String], tokenizer: BPETokenizer, endTokens: [Int32]) {
        self.init(choices: choices.map { tokenizer.encode($0, parseSpecial: false, addBOS: false) }, endTokens: endTokens)
    }

    /// The answers of a yes/no question, lower case and capitalised.
    public static let yesNo = ["yes", "no", "Yes", "No"]

    public var canEnd: Bool { node >= 0 && terminal[Int(node)] }
    public var canContinue: Bool { node >= 0 && !children[Int(node)].isEmpty }

    public func allowedTokens() -> [Int32] { node >= 0 ? Array(children[Int(node)].keys) : [] }

    public func mask(logits: UnsafeMutablePointer<Float>, vocab: Int) {
        maskAllExcept(allowedTokens(), end: canEnd, endTokens: endTokens, logits: logits, vocab: vocab)
    }

    public mutating func accept(_ token: Int32) {
        guard node >= 0 else { return }
        node = children[Int(node)][token] ?? -1
    }
}
