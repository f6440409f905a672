import Benchmarks
import Testing

@Suite struct QuerySplitTests {
    let ids = (1...25).map { "q\($0)" }

    @Test func sameSeedGivesTheSameSplitWhateverTheInputOrder() {
        let a = QuerySplit(ids: ids, tuneFraction: 0.5, seed: 42)
        let b = QuerySplit(ids: ids.reversed(), tuneFraction: 0.5, seed: 42)
        #expect(a.tuning == b.tuning && a.heldBack == b.heldBack)
        let c = QuerySplit(ids: ids, tuneFraction: 0.5, seed: 43)
        #expect(c.tuning != a.tuning)
    }

    @Test func anotherSeedGivesAnotherSplit() {
        #expect(QuerySplit(ids: ids, tuneFraction: 0.5, seed: 1).tuning != QuerySplit(ids: ids, tuneFraction: 0.5, seed: 2).tuning)
    }

    @Test func partsAreDisjointCoverEveryIDAndTakeTheRoundedFraction() {
        let s = QuerySplit(ids: ids, tuneFraction: 0.5, seed: 7)
        #expect(s.tuning.count == 13)  // 12.5 rounds away from zero
        #expect(s.heldBack.count == 12)
        #expect(Set(s.tuning).isDisjoint(with: s.heldBack))
        #expect(Set(s.tuning + s.heldBack) == Set(ids))
        #expect(QuerySplit(ids: ids, tuneFraction: 1, seed: 7).heldBack.isEmpty)
    }

    @Test func theShuffleIsFisherYatesWithSplitMix64() {
        // Three ids, seed 1: the sorted order shuffled by hand with SplitMix64(seed: 1).
        var rng = SplitMix64Reference(seed: 1)
        var expected = ["a", "b", "c"]
        for i in stride(from: 2, to: 0, by: -1) { expected.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
        let s = QuerySplit(ids: ["c", "a", "b"], tuneFraction: 1, seed: 1)
        #expect(s.tuning == expected)
    }
}

/// SplitMix64 as Vigna publishes it, so the test does not trust the generator it checks the split against.
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
