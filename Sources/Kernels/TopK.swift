/// Partial selection of the k best-scoring items of a stream: a bounded min-heap (O(n log k), and O(n) compares
/// once full, since most items lose to the root). Ties go to the smaller id, so results are deterministic
/// whatever order rows are scanned in.

public struct TopK: Sendable {
    public let k: Int
    // Heap order: the root is the worst kept item (lowest score; among equal scores the largest id).
    @usableFromInline var scores: [Float]
    @usableFromInline var ids: [Int]

    public init(k: Int) {
        precondition(k >= 0, "k must not be negative")
        self.k = k
        scores = []
        ids = []
        scores.reserveCapacity(k)
        ids.reserveCapacity(k)
    }

    public var count: Int { scores.count }
    public var isFull: Bool { scores.count >= k }

    /// The score an item must beat to enter once the heap is full (-infinity before).
    @inlinable public var threshold: Float { scores.count < k || k == 0 ? -.infinity : scores[0] }

    @inlinable @inline(__always)
    static func worse(_ s1: Float, _ i1: Int, than s2: Float, _ i2: Int) -> Bool {
        s1 < s2 || (s1 == s2 && i1 > i2)
    }

    /// Offers one item; kept when it is among the k best so far.
    @inlinable @inline(__always)
    public mutating func push(_ score: Float, _ id: Int) {
        if scores.count < k {
            scores.append(score)
            ids.append(id)
            siftUp(scores.count - 1)
        } else if k > 0 && Self.worse(scores[0], ids[0], than: score, id) {
            scores[0] = score
            ids[0] = id
            siftDown(0)
        }
    }

    @usableFromInline mutating func siftUp(_ start: Int) {
        var i = start
        while i > 0 {
            let p = (i - 1) >> 1
            if Self.worse(scores[i], ids[i], than: scores[p], ids[p]) {
                scores.swapAt(i, p)
                ids.swapAt(i, p)
                i = p
            } else { return }
        }
    }

    @usableFromInline mutating func siftDown(_ start: Int) {
        var i = start
        let n = scores.count
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < n && Self.worse(scores[l], ids[l], than: scores[m], ids[m]) { m = l }
            if r < n && Self.worse(scores[r], ids[r], than: scores[m], ids[m]) { m = r }
            if m == i { return }
            scores.swapAt(i, m)
            ids.swapAt(i, m)
            i = m
        }
    }

    /// Adds every item of another selection (the per-thread selections of a parallel scan).
    public mutating func merge(_ other: TopK) {
        for j in 0..<other.scores.count { push(other.scores[j], other.ids[j]) }
    }

    /// The kept items, best first (ties: smaller id first).
    public func sorted() -> [(id: Int, score: Float)] {
        zip(ids, scores).map { (id: $0.0, score: $0.1) }
            .sorted { $0.score != $1.score ? $0.score > $1.score : $0.id < $1.id }
    }

    /// The reference: a full sort of (score, id), best first, cut to k.
    public static func reference(scores: [Float], k: Int) -> [(id: Int, score: Float)] {
        Array(scores.enumerated().map { (id: $0.offset, score: $0.element) }
            .sorted { $0.score != $1.score ? $0.score > $1.score : $0.id < $1.id }.prefix(k))
    }
}
