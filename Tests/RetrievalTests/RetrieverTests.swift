/// The retriever over a real SQLite index: dense, keyword and hybrid modes, filters, the encoder check, and the
/// real MiniLM encoder finding a paraphrase that shares no word with the document.
import Encoder
import Foundation
import RAGCore
import Retrieval
import Store
import TestSupport
import Testing

@Suite struct RetrieverTests {
    static let texts = [
        "The platypus lays eggs and hunts by electroreception.",
        "Camels store fat in their humps to survive the desert.",
        "Emperor penguins breed during the Antarctic winter.",
        "Owls hunt at night using silent flight.",
    ]

    func fixture() throws -> (IndexStore, FakeEmbedder) {
        let vectors: [[Float]] = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]
        let store = try Fixture.store(texts: Self.texts, vectors: vectors,
                                      formats: [.markdown, .text, .html, .text],
                                      headings: [["Mammals"], ["Mammals", "Desert"], ["Birds"], ["Birds"]], name: "retriever")
        let embedder = FakeEmbedder(table: [
            "egg-laying mammal": [0.9, 0.1, 0, 0],
            "desert": [0, 1, 0, 0],
            "night hunter": [0.2, 0, 0, 0.9],
        ])
        return (store, embedder)
    }

    @Test func denseModeRanksByInnerProduct() throws {
        let (store, embedder) = try fixture()
        let r = Retriever(store: store, embedder: embedder)
        let hits = try r.search("egg-laying mammal", try SearchParameters(mode: .dense, k: 2))
        #expect(hits.map(\.path) == ["docs/0.md", "docs/1.text"])
        #expect(hits.first?.rank == 1)
        #expect(abs((hits.first?.score ?? 0) - 0.9) < 1e-6)
    }

    @Test func hybridFusesDenseAndKeywordResults() throws {
        let (store, embedder) = try fixture()
        let r = Retriever(store: store, embedder: embedder)
        // Dense says the platypus, keywords say the owls ("hunt" + "night"); both lists contain the owls.
        let hits = try r.search("night hunter", try SearchParameters(mode: .hybrid, k: 4))
        #expect(hits.first?.path == "docs/3.text")
        #expect(Set(hits.map(\.path)).count == hits.count)
    }

    @Test func queryEmbeddingsAreCached() throws {
        let (store, embedder) = try fixture()
        let r = Retriever(store: store, embedder: embedder)
        _ = try r.search("desert", try SearchParameters(mode: .dense, k: 1))
        _ = try r.search("desert", try SearchParameters(mode: .hybrid, k: 1))
        #expect(embedder.calls == 1)
    }

    @Test func filtersApplyToEveryMode() throws {
        let (store, embedder) = try fixture()
        let r = Retriever(store: store, embedder: embedder)
        let birds = try ChunkFilter(parsing: ["heading:birds"])
        for mode in RetrievalMode.allCases {
            let hits = try r.search("night hunter owls penguins", try SearchParameters(mode: mode, k: 4, filter: birds))
            #expect(!hits.isEmpty)
            #expect(hits.allSatisfy { $0.headingPath.hasPrefix("Birds") }, "\(mode)")
        }
        let md = try r.search("desert", try SearchParameters(mode: .dense, k: 4, filter: try ChunkFilter(parsing: ["format:md"])))
        #expect(md.map(\.path) == ["docs/0.md"])
        let glob = try r.search("desert", try SearchParameters(mode: .dense, k: 4, filter: try ChunkFilter(parsing: ["path:docs/[12].*"])))
        #expect(glob.count == 2)
        let future = try r.search("desert", try SearchParameters(mode: .hybrid, k: 4, filter: try ChunkFilter(parsing: ["after:2999-01-01"])))
        #expect(future.isEmpty)
        #expect(throws: RAGError.self) { try ChunkFilter(parsing: ["colour:red"]) }
        #expect(throws: RAGError.self) { try ChunkFilter(parsing: ["after:yesterday"]) }
    }

    @Test func anotherEncodersIndexIsRefused() throws {
        let (store, _) = try fixture()
        let other = FakeEmbedder(modelID: "other/fp32@sha256:1", table: ["q": [1, 0, 0, 0]])
        let r = Retriever(store: store, embedder: other)
        #expect(throws: RAGError.self) { try r.search("q", try SearchParameters(mode: .dense, k: 1)) }
        // Keyword search needs no encoder and still works.
        #expect(try !r.search("camels", try SearchParameters(mode: .keyword, k: 1)).isEmpty)
    }

    @Test func badKIsRejectedWhereTheParametersAreBuiltAndLargeKIsCapped() throws {
        let (store, embedder) = try fixture()
        let r = Retriever(store: store, embedder: embedder)
        for k in [0, -1, SearchParameters.maxK + 1] {
            #expect { try SearchParameters(mode: .dense, k: k) } throws: {
                ($0 as? RAGError)?.code.rawValue == "invalid_field" && ($0 as? RAGError)?.message == "k: must be between 1 and \(SearchParameters.maxK), got \(k)"
            }
        }
        #expect(throws: RAGError.self) { try SearchParameters(k: 101, maxK: 100) }
        #expect(try r.search("desert", try SearchParameters(mode: .dense, k: 50)).count == 4)
    }

    @Test func badNprobeAndFusionWeightsAreRejectedNamingTheField() {
        #expect { try SearchParameters(nprobe: 0) } throws: { ($0 as? RAGError)?.message.hasPrefix("nprobe:") == true }
        #expect { try SearchParameters(fusion: .weighted(dense: 1.5, keyword: -0.5)) } throws: {
            ($0 as? RAGError)?.message.hasPrefix("dense_weight:") == true
        }
    }

    @Test func nprobeOnAFlatIndexIsReportedAsNotUsed() throws {
        let (store, embedder) = try fixture()
        let r = Retriever(store: store, embedder: embedder)
        let p = try SearchParameters(mode: .dense, k: 2, nprobe: 3)
        #expect(try r.search("desert", p).count == 2)
        let note = try r.nprobeNotUsed(p)
        #expect(note?.contains("nprobe 3 not used: the flat index was searched") == true, "\(note ?? "nil")")
        #expect(try r.nprobeNotUsed(try SearchParameters(mode: .dense, k: 2)) == nil)
        #expect(try r.nprobeNotUsed(p.with(mode: .keyword))?.contains("keyword") == true)
    }

    @Test func documentsAreRankedByTheirBestChunk() throws {
        let (store, embedder) = try fixture()
        let r = Retriever(store: store, embedder: embedder)
        let docs = try r.rankDocuments("desert", try SearchParameters(mode: .dense, k: 3))
        #expect(docs.first?.key == "d1")
        #expect(docs.count == 3)
        #expect(try r.rankDocuments("desert", try SearchParameters(mode: .hybrid, k: 3)).first?.key == "d1")
    }

    @Test func realEncoderFindsAParaphraseWithNoSharedWord() throws {
        let encoder = try MiniLMEncoder(directory: Fixture.encoderDirectory)
        let store = try Fixture.store(texts: Self.texts, vectors: try encoder.embed(Self.texts), model: encoder.modelID, name: "real")
        let r = Retriever(store: store, embedder: encoder)
        let hits = try r.search("which animal can sense electric fields", try SearchParameters(mode: .dense, k: 1))
        #expect(hits.first?.path == "docs/0.text")
        let hybrid = try r.search("Antarctic seabirds", try SearchParameters(mode: .hybrid, k: 1))
        #expect(hybrid.first?.path == "docs/2.text")
    }
}
