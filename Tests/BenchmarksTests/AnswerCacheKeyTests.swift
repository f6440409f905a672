/// The answer-cache key context the CLI and the server share: an index without vectors is keyed as keyword search.
import Answering
import Retrieval
import Testing

@Suite struct AnswerCacheKeyTests {
    @Test func anIndexWithoutVectorsIsKeyedAsKeywordSearch() {
        let key = AnswerCacheKey(mode: .hybrid, filter: ["path:*.md", "format:markdown"], encoderID: nil,
                                 generatorName: nil, contextLength: 2048)
        #expect(key.context == ["mode": "keyword", "filter": "path:*.md\u{1F}format:markdown", "encoder": "-",
                                "generator": "-", "context_length": "2048"])
    }

    @Test func theRequestedModeIsKeptWhenTheIndexHasVectors() {
        let key = AnswerCacheKey(mode: .dense, filter: [], encoderID: "minilm/fp32@sha256:0", generatorName: "smollm2",
                                 contextLength: 4096)
        #expect(key.context["mode"] == "dense")
        #expect(key.context["encoder"] == "minilm/fp32@sha256:0" && key.context["generator"] == "smollm2")
    }
}
