/// The seeded query split: deterministic, independent of input order, sized by the rounded fraction.
import Benchmarks
import Testing

@Suite struct QuerySplitTests {
    @Test func sameSeedSameSplitWhateverTheInputOrder() {
        let ids = (0..<101).map { "q\($0)" }
        let a = QuerySplit(ids: ids, tuneFraction: 0.5, seed: 42)
        let b = QuerySplit(ids: ids.reversed(), tuneFraction: 0.5, seed: 42)
        #expect(a.tuning == b.tuning && a.heldBack == b.heldBack)
        #expect(a.tuning.count == 51 && a.heldBack.count == 50)  // 50.5 rounds away from zero
        #expect(Set(a.tuning + a.heldBack) == Set(ids))
        #expect(Set(a.tuning).isDisjoint(with: a.heldBack))
    }

    @Test func anotherSeedGivesAnotherSplit() {
        let ids = (0..<100).map { "q\($0)" }
        #expect(QuerySplit(ids: ids, tuneFraction: 0.5, seed: 1).tuning != QuerySplit(ids: ids, tuneFraction: 0.5, seed: 2).tuning)
    }

    @Test func fisherYatesWithSplitMix64() {
        // The reference: sorted ids, i from n-1 down to 1, j = next() % (i+1), swap.
        var rng = SplitMix64Reference(seed: 7)
        var order = ["a", "b", "c", "d", "e"]
        for i in stride(from: 4, to: 0, by: -1) { order.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
        let split = QuerySplit(ids: ["e", "d", "c", "b", "a"], tuneFraction: 0.4, seed: 7)
        #expect(split.tuning == Array(order.prefix(2)))
        #expect(split.heldBack == Array(order.suffix(3)))
    }
}

/// SplitMix64 written out again, so the split is checked against the published algorithm, not against itself.
struct SplitMix64Reference {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
