/// The remote embedder's pure parts: how texts are split into requests, how model names compare, normalisation.
/// (The pool against real `rag serve` processes is in CLITests/RemoteEncoderCLITests.)
import Foundation
import RAGCore
@testable import RemoteGeneration
import Testing

struct RemoteEmbedderTests {
    @Test func batchesRespectTheTextAndByteLimitsAndKeepOrder() {
        let texts = (0..<70).map { String(repeating: "x", count: $0 == 40 ? 1000 : 10) }
        let ranges = RemoteEmbedder.batches(texts, maxTexts: 32, maxBytes: 500)
        #expect(ranges.first?.lowerBound == 0 && ranges.last?.upperBound == 70)
        #expect(zip(ranges, ranges.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
        #expect(ranges.allSatisfy { $0.count <= 32 })
        // The oversized text goes alone; the others stay under the byte limit.
        #expect(ranges.contains(40..<41))
        #expect(ranges.filter { $0 != 40..<41 }.allSatisfy { r in r.reduce(0) { $0 + texts[$1].utf8.count } <= 500 })
        #expect(RemoteEmbedder.batches([], maxTexts: 32, maxBytes: 500).isEmpty)
    }

    @Test func modelNamesCompareWithoutCaseOrganisationOrLatestTag() {
        #expect(RemoteEmbedder.sameModel("sentence-transformers/all-MiniLM-L6-v2", "all-minilm-l6-v2"))
        #expect(RemoteEmbedder.sameModel("all-minilm-l6-v2:latest", "all-MiniLM-L6-v2"))
        #expect(!RemoteEmbedder.sameModel("BAAI/bge-small-en-v1.5", "all-minilm-l6-v2"))
    }

    @Test func vectorsAreNormalisedOnArrival() {
        let v = OpenAIEmbeddingBackend.normalised([3, 4])
        #expect(abs(v[0] - 0.6) < 1e-6 && abs(v[1] - 0.8) < 1e-6)
        #expect(OpenAIEmbeddingBackend.normalised([0, 0]) == [0, 0])
    }

    @Test func syncCallersWaitForAsyncWorkOffTheCooperativePool() throws {
        let value = try BlockingBridge.wait { () async throws -> Int in
            try await Task.sleep(for: .milliseconds(10))
            return 42
        }
        #expect(value == 42)
        #expect(throws: RAGError.self) { try BlockingBridge.wait { () async throws -> Int in throw RAGError(.busy, "x") } }
    }
}
