/// The search cache keeps to its byte budget as well as its entry count.
import Store
import Testing
@testable import Server

@Suite struct SearchCacheTests {
    func hits(_ textBytes: Int) -> [SearchHit] {
        [SearchHit(rank: 1, score: 1, chunkID: 1, documentID: 1, path: "a.md", externalID: nil, headingPath: "A",
                   text: String(repeating: "x", count: textBytes), snippet: "")]
    }

    @Test func bigResultsEvictOldOnesToStayWithinTheByteBudget() {
        let cache = SearchCache(capacity: 1000, maxBytes: 1 << 20)
        for i in 0..<100 { cache.put("q\(i)", generation: 0, hits: hits(100_000)) }
        #expect(cache.heldBytes <= 1 << 20)
        #expect(cache.get("q99", generation: 0) != nil)
        #expect(cache.get("q0", generation: 0) == nil)
    }

    @Test func anEntryLargerThanAnEighthOfTheBudgetIsNotCached() {
        let cache = SearchCache(capacity: 10, maxBytes: 1 << 20)
        cache.put("small", generation: 0, hits: hits(100))
        cache.put("huge", generation: 0, hits: hits(2_000_000))
        #expect(cache.get("huge", generation: 0) == nil)
        #expect(cache.get("small", generation: 0) != nil)
    }

    @Test func theEntryCountLimitStillHoldsAndReplacingAKeyKeepsTheTotalRight() {
        let cache = SearchCache(capacity: 3, maxBytes: 1 << 20)
        for i in 0..<5 { cache.put("q\(i)", generation: 0, hits: hits(10)) }
        #expect(cache.get("q1", generation: 0) == nil && cache.get("q4", generation: 0) != nil)
        let before = cache.heldBytes
        cache.put("q4", generation: 1, hits: hits(10))
        #expect(cache.heldBytes == before)
        #expect(cache.get("q4", generation: 0) == nil && cache.get("q4", generation: 1) != nil)
    }
}

/// Messages that leave the machine name files, not the directories they live in.
@Suite struct ErrorMessagePathTests {
    @Test func absolutePathsAreCutToTheirLastComponent() {
        #expect(APIError.withoutDirectories("index /srv/rag/Indexes/default.sqlite: database is locked")
                == "index default.sqlite: database is locked")
        #expect(APIError.withoutDirectories("encoder files not found in /opt/models/minilm: run scripts/fetch-models")
                == "encoder files not found in minilm: run scripts/fetch-models")
        #expect(APIError.withoutDirectories("cannot open (\"/a/b/c.gguf\")") == "cannot open (\"c.gguf\")")
        // Relative paths and URLs' paths are not directories on this machine; a lone slash stays.
        #expect(APIError.withoutDirectories("run scripts/fetch-models, see http://x/y, or / alone") == "run scripts/fetch-models, see http://x/y, or / alone")
    }
}
