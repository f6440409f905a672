/// The learned query maps on a real index (Corpus/ through the real pipeline and MiniLM): the distilled query
/// encoder stays close to the full one and searches; the adapter improves its training queries, is applied by
/// default, turned off by `adapter: false`, refused for another encoder, and kept apart in the query cache.
@testable import Adaptation
import Benchmarks
import Encoder
import Foundation
import RAGCore
import Retrieval
import Store
import Testing
import TestSupport

@Suite(.serialized) struct QueryMapTests {
    @Test func distillWithTwoLayersStoresAMapCloseToTheFullEncoder() throws {
        let index = try CorpusIndex.get()
        let store = try index.copy("distill")
        let (distilled, report) = try QueryEncoderDistiller.fit(encoder: index.encoder, store: store, layers: 2, sampleChunks: 4000)
        #expect(report.chunks > 100 && report.sentences > 50)
        try store.setQueryMap(distilled.stored)
        let stored = try #require(try store.queryMap(.distilled))
        #expect(stored.layers == 2 && stored.encoder == index.encoder.modelID && stored.rows == 384 && stored.cols == 384)

        // Measured on this corpus (284 chunks + 284 sentences, λ 0.1 chosen on the held-out 10%): training chunks
        // mean cosine 0.884, min 0.709; the truncated encoder without the map 0.19 (another space altogether).
        // SciFact (4,000 + 4,000 inputs) comes much closer; a corpus this small bounds what a 384×385 map learns.
        #expect(report.chunkCosine.mean > 0.85)
        #expect(report.chunkCosine.min > 0.65)
        #expect(report.chunkCosine.mean > report.unmappedChunkCosine.mean + 0.5)
        #expect(report.lambdaScores.count == QueryEncoderDistiller.lambdaGrid.count)
        // Recompute on a few training chunks through the stored map, independently of the report.
        let hits = try store.chunkHits(Array(try store.loadVectorMatrix().ids.prefix(20)))
        let texts = hits.values.sorted { $0.chunkID < $1.chunkID }.map { $0.headingPath.isEmpty ? $0.text : $0.headingPath + " " + $0.text }
        let loaded = try DistilledQueryEncoder(encoder: index.encoder, stored: stored)
        for (d, f) in zip(loaded.embed(texts), try index.encoder.embed(texts)) { #expect(cosine(d, f) > 0.7) }  // measured ≥ 0.77

        // --query-encoder distilled: search returns results, query vectors near the full encoder's.
        let (embedder, notes) = try QueryEncoder.load(store: store, base: index.encoder, encoding: QueryEncoding(encoder: .distilled, adapter: true))
        #expect(notes.isEmpty)
        let query = try #require(embedder as? QueryEncoder)
        #expect(query.distilled?.layers == 2 && query.adapter == nil)
        #expect(query.modelID == index.encoder.modelID && query.queryCacheID != index.encoder.modelID)
        let retriever = Retriever(store: store, embedder: embedder)
        let hitsDistilled = try retriever.search("How do I rebuild the IVF index?", try SearchParameters(mode: .dense, k: 5))
        #expect(hitsDistilled.count == 5)
        let q = "How do I rebuild the IVF index?"
        // An unseen query: measured 0.62 here (the truncated encoder alone: about 0.2).
        #expect(cosine(try embedder.embed([q])[0], try index.encoder.embed([q])[0]) > 0.5)

        // Without a stored map, distilled is refused.
        _ = try store.removeQueryMap(.distilled)
        #expect(throws: RAGError.self) { try QueryEncoder.load(store: store, base: index.encoder, encoding: QueryEncoding(encoder: .distilled)) }
    }

    @Test func adapterImprovesItsTrainingQueriesAndNoAdapterRestoresPlainVectors() throws {
        let index = try CorpusIndex.get()
        #expect(index.qrels.count >= 40)
        let store = try index.copy("adapter")
        let matrix = try store.loadVectorMatrix()
        let corpus = Array(UnsafeBufferPointer(start: matrix.storage, count: matrix.count * matrix.dimension))
        let ids = index.qrels.keys.sorted()
        let examples = try QueryAdaptation.examples(ids, queries: index.queries, qrels: index.qrels, store: store,
                                                    encoder: index.encoder, matrix: matrix, corpus: corpus)
        #expect(examples.count == ids.count)
        let w = try #require(QueryAdapterTrainer.fit(examples, corpus: corpus, d: 384, lambda: 0.1 * Double(examples.count)))
        let adapter = QueryAdapter(encoderID: index.encoder.modelID, dimension: 384, matrix: w)

        // Better on its training queries, by the retriever and `rag eval`'s metric.
        let plain = Retriever(store: store, embedder: index.encoder)
        let adapted = Retriever(store: store, embedder: QueryEncoder(base: index.encoder, adapter: adapter))
        let p = try SearchParameters(mode: .dense, k: 100)
        let before = try RetrievalEvaluation.run(plain, queries: index.queries, qrels: index.qrels, parameters: p).metrics
        let after = try RetrievalEvaluation.run(adapted, queries: index.queries, qrels: index.qrels, parameters: p).metrics
        #expect(after.ndcgAt10 > before.ndcgAt10 + 0.01, "training nDCG@10 \(before.ndcgAt10) → \(after.ndcgAt10)")

        // Stored: applied by default, off with adapter: false (plain vectors, bit for bit).
        try store.setQueryMap(adapter.stored)
        let q = index.queries[ids[0]]!
        let full = try index.encoder.embed([q])[0]
        let (on, _) = try QueryEncoder.load(store: store, base: index.encoder, encoding: QueryEncoding())
        #expect((on as? QueryEncoder)?.adapter == adapter)
        #expect(try on.embed([q])[0] == adapter.apply(full))
        #expect(cosine(try on.embed([q])[0], full) < 0.9999)
        let (off, offNotes) = try QueryEncoder.load(store: store, base: index.encoder, encoding: QueryEncoding(adapter: false))
        #expect(offNotes.isEmpty && !(off is QueryEncoder))
        #expect(try off.embed([q])[0] == full)

        // One query cache shared by both retrievers: each gets its own vector.
        let cache = QueryEmbeddingCache()
        let r1 = Retriever(store: store, embedder: on, cache: cache), r2 = Retriever(store: store, embedder: off, cache: cache)
        let v1 = try r1.embedQuery(q), v2 = try r2.embedQuery(q)
        #expect(v1 == adapter.apply(full) && v2 == full)
        #expect(cache.count == 2)
    }

    @Test func adapterForAnotherEncoderIsRefused() throws {
        let index = try CorpusIndex.get()
        let store = try index.copy("other-encoder")
        var identity = [Float](repeating: 0, count: 384 * 384)
        for i in 0..<384 { identity[i * 385] = 2 }
        try store.setQueryMap(QueryAdapter(encoderID: "minilm/int8@sha256:other", dimension: 384, matrix: identity).stored)
        let (embedder, notes) = try QueryEncoder.load(store: store, base: index.encoder, encoding: QueryEncoding())
        #expect(!(embedder is QueryEncoder))
        #expect(notes.count == 1 && notes[0].contains("minilm/int8@sha256:other") && notes[0].contains("ignored"))
    }

    @Test func adaptRunTrainsOnTheTuningPartAndReportsHeldBack() throws {
        let index = try CorpusIndex.get()
        let store = try index.copy("adapt-run")
        let (adapter, report) = try QueryAdaptation.run(store: store, encoder: index.encoder, queries: index.queries,
                                                        qrels: index.qrels, tuneFraction: 0.5, seed: 42, modes: [.dense])
        #expect(report.tuningQueries + report.heldBackQueries == index.qrels.count)
        #expect(report.heldBack.count == 1 && report.heldBack[0].queries == report.heldBackQueries)
        #expect(report.training.scores.count == QueryAdapterTrainer.lambdaFactors.count)
        // Stored exactly when kept; when the identity is kept, with and without are the same run.
        #expect((try store.queryMap(.adapter) != nil) == (adapter != nil))
        if adapter == nil { #expect(report.heldBack[0].adapted == report.heldBack[0].plain) }
        #expect(try store.removeQueryMap(.adapter) == (adapter != nil))
        #expect(try store.queryMap(.adapter) == nil)
    }

    @Test func passagePathsRelativeToTheCorpusFolderResolve() throws {
        let index = try CorpusIndex.get()
        let store = try index.store()
        let matrix = try store.loadVectorMatrix()
        let corpus = Array(UnsafeBufferPointer(start: matrix.storage, count: matrix.count * matrix.dimension))
        // As a QA file over the folder names them: "guide/overview.md", not the indexed full path.
        let relative = index.qrels.mapValues { judged in
            Dictionary(uniqueKeysWithValues: judged.map { (String($0.key.components(separatedBy: "/Corpus/").last!), $0.value) })
        }
        #expect(relative.values.allSatisfy { $0.keys.allSatisfy { !$0.hasPrefix("/") } })
        let ids = relative.keys.sorted()
        let viaRelative = try QueryAdaptation.examples(ids, queries: index.queries, qrels: relative, store: store,
                                                       encoder: index.encoder, matrix: matrix, corpus: corpus)
        let viaFull = try QueryAdaptation.examples(ids, queries: index.queries, qrels: index.qrels, store: store,
                                                   encoder: index.encoder, matrix: matrix, corpus: corpus)
        #expect(viaRelative.count == ids.count)
        #expect(viaRelative.map(\.targets) == viaFull.map(\.targets))
    }

    @Test func anIndexOfSchemaFiveStaysReadable() throws {
        let path = TestIndex.path("schema5")
        do {
            let store = try IndexStore(path: path)
            try store.setMeta("embedding_model", "x")
            try store.db.execute("DROP TABLE query_maps; DROP TABLE query_log_short; PRAGMA user_version = 5")
        }
        let old = try IndexStore(path: path, readOnly: true)
        #expect(old.schemaVersion == 5)
        #expect(try old.queryMap(.adapter) == nil)
        #expect(try old.meta("embedding_model") == "x")
        let migrated = try IndexStore(path: path)
        #expect(migrated.schemaVersion == 7)
        #expect(try migrated.queryMap(.distilled) == nil)
    }
}
