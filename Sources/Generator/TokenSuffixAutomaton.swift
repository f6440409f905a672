/// The suffix automaton of one or more token-id sequences: a path from the root spells exactly the contiguous spans
/// (substrings) of one sequence, never one across two.
///
/// Built online in O(n) states and transitions (at most 2n states, 3n transitions) over the blocks concatenated with
/// a separator id that is never a real token, so a span across a boundary would have to pass the separator and no
/// path from the root does.

public struct TokenSuffixAutomaton: Sendable {
    /// Tokens the automaton takes at most (blocks beyond the cap are cut; later blocks dropped).
    public static let defaultMaxTokens = 8192
    /// The separator between blocks (never a token id).
    static let separator: Int32 = -1

    /// Per state: the longest span it stands for, its suffix link, its transitions.
    private(set) var length: [Int32] = [0]
    private(set) var link: [Int32] = [-1]
    private(set) var next: [[Int32: Int32]] = [[:]]
    /// Tokens taken (all blocks, separators not counted).
    public private(set) var tokenCount = 0

    public static let root: Int32 = 0

    public init(blocks: [[Int32]], maxTokens: Int = TokenSuffixAutomaton.defaultMaxTokens) {
        var last: Int32 = 0
        var budget = max(0, maxTokens)
        for (b, block) in blocks.enumerated() where budget > 0 && !block.isEmpty {
            if b > 0 && tokenCount > 0 { extend(Self.separator, last: &last) }
            for t in block.prefix(budget) where t >= 0 { extend(t, last: &last); tokenCount += 1 }
            budget -= min(budget, block.count)
        }
    }

    public var stateCount: Int { length.count }

    /// The state after `token` from `state`, nil when the span would not be a substring of one block.
    @inline(__always)
    public func step(_ state: Int32, _ token: Int32) -> Int32? {
        guard token >= 0, state >= 0, Int(state) < next.count else { return nil }
        return next[Int(state)][token]
    }

    /// The tokens that may follow the span `state` stands for (in no particular order).
    public func allowedTokens(_ state: Int32) -> [Int32] {
        guard state >= 0, Int(state) < next.count else { return [] }
        return next[Int(state)].keys.filter { $0 >= 0 }
    }

    /// Whether some real token may follow `state`.
    public func hasContinuation(_ state: Int32) -> Bool {
        guard state >= 0, Int(state) < next.count else { return false }
        return next[Int(state)].keys.contains { $0 >= 0 }
    }

    /// The state `tokens` lead to from the root, nil when they are not a span of one block.
    public func walk(_ tokens: [Int32]) -> Int32? {
        var s = Self.root
        for t in tokens {
            guard let n = step(s, t) else { return nil }
            s = n
        }
        return s
    }

    /// Whether `tokens` is a contiguous span of one block (the empty span is).
    public func contains(_ tokens: [Int32]) -> Bool { walk(tokens) != nil }

    private mutating func extend(_ c: Int32, last: inout Int32) {
        let cur = Int32(length.count)
        length.append(length[Int(last)] + 1)
        link.append(-1)
        next.append([:])
        var p = last
        while p != -1 && next[Int(p)][c] == nil {
            next[Int(p)][c] = cur
            p = link[Int(p)]
        }
        if p == -1 {
            link[Int(cur)] = 0
        } else {
            let q = next[Int(p)][c]!
            if length[Int(p)] + 1 == length[Int(q)] {
                link[Int(cur)] = q
            } else {
                let clone = Int32(length.count)
                length.append(length[Int(p)] + 1)
                link.append(link[Int(q)])
                next.append(next[Int(q)])
                while p != -1 && next[Int(p)][c] == q {
                    next[Int(p)][c] = clone
                    p = link[Int(p)]
                }
                link[Int(q)] = clone
                link[Int(cur)] = clone
            }
        }
        last = cur
    }
}
