/// Reciprocal-rank and weighted fusion, and the query-embedding cache.
import Retrieval
import Testing

@Suite struct FusionTests {
    @Test func rrfConstantIsSixty() {
        #expect(Fusion.rrfK == 60)
        #expect(Fusion.default == .reciprocalRank(k: 60))
    }

    @Test func reciprocalRankFusionSumsOneOverKPlusRank() {
        let fused = Fusion.reciprocalRank(k: 60).fuse(
            dense: [(key: "a", score: 0.9), (key: "b", score: 0.8)],
            keyword: [(key: "b", score: 12), (key: "c", score: 3)])
        #expect(fused.map(\.key) == ["b", "a", "c"])
        #expect(abs(fused[0].score - (1.0 / 62 + 1.0 / 61)) < 1e-12)
        #expect(abs(fused[1].score - 1.0 / 61) < 1e-12)
    }

    @Test func itemInBothListsBeatsTopOfOneList() {
        let fused = Fusion.default.fuse(dense: [(key: 1, score: 1), (key: 2, score: 0.5)],
                                        keyword: [(key: 3, score: 9), (key: 2, score: 8)])
        #expect(fused.first?.key == 2)
    }

    @Test func tiesKeepFirstAppearanceDenseFirst() {
        let fused = Fusion.default.fuse(dense: [(key: "x", score: 1)], keyword: [(key: "y", score: 1)])
        #expect(fused.map(\.key) == ["x", "y"])
    }

    @Test func weightedFusionScalesEachListToUnitRange() {
        let fused = Fusion.weighted(dense: 0.8, keyword: 0.2).fuse(
            dense: [(key: "a", score: 0.9), (key: "b", score: 0.1)],
            keyword: [(key: "b", score: 30), (key: "a", score: 10)])
        #expect(fused.map(\.key) == ["a", "b"])
        #expect(abs(fused[0].score - 0.8) < 1e-12)
        #expect(abs(fused[1].score - 0.2) < 1e-12)
        let keywordHeavy = Fusion.weighted(dense: 0.2, keyword: 0.8).fuse(
            dense: [(key: "a", score: 0.9), (key: "b", score: 0.1)],
            keyword: [(key: "b", score: 30), (key: "a", score: 10)])
        #expect(keywordHeavy.first?.key == "b")
    }
}

@Suite struct QueryEmbeddingCacheTests {
    @Test func leastRecentlyUsedEntryIsEvicted() {
        let cache = QueryEmbeddingCache(capacity: 2)
        cache.put(model: "m", text: "a", vector: [1])
        cache.put(model: "m", text: "b", vector: [2])
        #expect(cache.get(model: "m", text: "a") == [1])
        cache.put(model: "m", text: "c", vector: [3])
        #expect(cache.get(model: "m", text: "b") == nil)
        #expect(cache.get(model: "m", text: "a") == [1])
        #expect(cache.get(model: "m", text: "c") == [3])
        #expect(cache.count == 2)
    }

    @Test func entriesOfAnotherModelAreNotShared() {
        let cache = QueryEmbeddingCache()
        cache.put(model: "m1", text: "q", vector: [1])
        #expect(cache.get(model: "m2", text: "q") == nil)
    }
}
