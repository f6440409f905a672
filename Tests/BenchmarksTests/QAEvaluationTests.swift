/// The `rag eval-qa` run without models: reading QA files, the qa-dev split, the seeded sample, passage naming, the
/// invented-span check, and a whole run over a fixed retriever with the extractive engine.
import Answering
import Benchmarks
import Foundation
import RAGCore
import Retrieval
import Store
import Testing

/// Returns fixed hits for every question, filtered by the request's path globs (as the store's GLOB would).
struct FixedRetriever: ContextRetriever {
    let hits: [SearchHit]

    func retrieve(_ question: String, _ search: SearchParameters) throws -> RetrievalResult {
        var kept = hits
        if let globs = search.filter?.pathGlobs, !globs.isEmpty {
            kept = hits.filter { h in globs.contains { fnmatch($0, h.path, 0) == 0 } }
        }
        return RetrievalResult(hits: Array(kept.prefix(search.k)), similarities: nil, embedSeconds: 0, searchSeconds: 0)
    }

    static func hit(_ id: Int64, _ passage: String, _ text: String) -> SearchHit {
        SearchHit(rank: Int(id), score: 1, chunkID: id, documentID: id, path: "data/passages.jsonl#\(passage)", externalID: passage,
                  headingPath: "", text: text, snippet: text)
    }
}

@Suite struct QAEvaluationTests {
    static func question(_ id: String, _ passage: String) -> QAQuestion {
        QAQuestion(id: id, question: "q \(id)", answers: ["x"], passageIDs: [passage])
    }

    @Test func loadsQAFilesAndNamesTheBadLine() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("qa-load-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = dir.appendingPathComponent("good.jsonl").path
        try """
            {"id": "q1", "question": " Who? ", "answers": ["Ann", "Ann Lee"], "passage_ids": ["a00p001"]}

            {"id": 7, "question": "When?", "answers": [1990]}
            """.write(toFile: good, atomically: true, encoding: .utf8)
        let qs = try QAQuestion.load(path: good)
        #expect(qs == [QAQuestion(id: "q1", question: " Who? ", answers: ["Ann", "Ann Lee"], passageIDs: ["a00p001"]),
                       QAQuestion(id: "7", question: "When?", answers: ["1990"])])
        let bad = dir.appendingPathComponent("bad.jsonl").path
        try "{\"id\": \"q1\", \"question\": \"Who?\", \"answers\": [\"A\"]}\n{\"id\": \"q2\", \"question\": \"Who?\", \"answers\": []}\n"
            .write(toFile: bad, atomically: true, encoding: .utf8)
        #expect { try QAQuestion.load(path: bad) } throws: { e in
            (e as? RAGError)?.code == .invalidInput && (e as? RAGError)?.message.contains("bad.jsonl:2:") == true
        }
    }

    @Test func splitsQADevByArticle() throws {
        #expect(QASplit.article(ofPassage: "a07p012") == 7 && QASplit.article(ofPassage: "a47p000") == 47)
        #expect(QASplit.article(ofPassage: "guide/asking.html") == nil && QASplit.article(ofPassage: "ap1") == nil)
        let qs = [Self.question("1", "a00p000"), Self.question("2", "a23p010"), Self.question("3", "a24p000"), Self.question("4", "a47p003")]
        #expect(try QASplit.train.select(qs).map(\.id) == ["1", "2"])
        #expect(try QASplit.test.select(qs).map(\.id) == ["3", "4"])
        #expect(try QASplit.validation.select(qs + [Self.question("6", "a22p001"), Self.question("7", "a21p000")]).map(\.id) == ["2", "6"])
        #expect(try QASplit.all.select(qs).count == 4)
        #expect(throws: RAGError.self) { try QASplit.test.select([Self.question("5", "faq.md")]) }
    }

    @Test func theSampleIsSeededAndInFileOrder() {
        let qs = (0..<100).map { Self.question(String($0), "a00p000") }
        let a = QAQuestion.sample(qs, limit: 10, seed: 1), b = QAQuestion.sample(qs, limit: 10, seed: 1)
        #expect(a == b && a.count == 10)
        #expect(a.map { Int($0.id)! } == a.map { Int($0.id)! }.sorted())
        #expect(QAQuestion.sample(qs, limit: 10, seed: 2) != a)
        #expect(QAQuestion.sample(qs, limit: 100, seed: 1) == qs && QAQuestion.sample(qs, limit: nil, seed: 1) == qs)
        // Fixed for ever: a changed sampler would silently change every reported figure. (The same draw in Python:
        // SplitMix64, then for i in 0..<limit swap i with i + next() % (n - i); sort the first `limit` indices.)
        #expect(a.map(\.id) == ["18", "20", "27", "40", "43", "53", "56", "61", "65", "66"])
    }

    @Test func passagesAreNamedByIDOrByPathBelowTheFolder() {
        let jsonl = PassageNaming(corpus: "data/passages.jsonl", isFolder: false)
        #expect(jsonl.passageID(path: "data/passages.jsonl#a01p002", externalID: "a01p002") == "a01p002")
        #expect(jsonl.pathGlob("a01p002") == "data/passages.jsonl#a01p002")
        let folder = PassageNaming(corpus: "Corpus", isFolder: true)
        #expect(folder.passageID(path: "Corpus/guide/asking.html", externalID: nil) == "guide/asking.html")
        #expect(folder.pathGlob("guide/a[1]*.md") == "Corpus/guide/a[[]1][*].md")
        #expect(fnmatch(folder.pathGlob("guide/a[1]*.md"), "Corpus/guide/a[1]*.md", 0) == 0)
        #expect(fnmatch(folder.pathGlob("guide/a[1]*.md"), "Corpus/guide/a1x.md", 0) != 0)
    }

    static func answer(short: String?, sources: [Int64], evidence: [Int64] = []) throws -> Answer {
        let json: [String: Any] = [
            "id": "x", "answer": "text [1]", "citations": [], "truncated_context": false, "grounded": true, "uncited": false,
            "invalid_citations": 0, "cached": false, "finish_reason": "stop",
            "sources": sources.enumerated().map { ["n": $0.offset + 1, "path": "p", "heading_path": "", "score": 1, "cited": true, "chunk_id": $0.element] },
            "usage": ["prompt_tokens": 0, "completion_tokens": 0, "cached_prompt_tokens": 0], "timings": ["embed_s": 0, "search_s": 0, "pack_s": 0, "prefill_s": 0, "decode_s": 0, "ttft_s": 0, "total_s": 0],
            "short_answer": short as Any? ?? NSNull(), "unsupported_sentences": [String](),
            "evidence": evidence.map { ["n": 1, "chunk_id": $0, "text": "t", "char_start": 0, "char_end": 1] },
        ]
        return try JSONDecoder.snakeCase.decode(Answer.self, from: JSONSerialization.data(withJSONObject: json))
    }

    @Test func aShortAnswerMustBeASpanOfAChunkTheAnswerUsed() throws {
        let texts: [Int64: String] = [1: "Denver Broncos won Super Bowl 50.", 2: "Levi's Stadium hosted it."]
        let none: ([Int64]) throws -> [Int64: String] = { _ in [:] }
        #expect(try !QAEvaluation.isInvented(Self.answer(short: "Denver Broncos", sources: [1]), texts: texts, lookup: none))
        #expect(try !QAEvaluation.isInvented(Self.answer(short: " Levi's Stadium ", sources: [1], evidence: [2]), texts: texts, lookup: none))
        #expect(try QAEvaluation.isInvented(Self.answer(short: "Levi's Stadium", sources: [1]), texts: texts, lookup: none))
        #expect(try QAEvaluation.isInvented(Self.answer(short: "denver broncos", sources: [1]), texts: texts, lookup: none))
        #expect(try !QAEvaluation.isInvented(Self.answer(short: "Yes", sources: [1]), texts: texts, lookup: none))
        #expect(try !QAEvaluation.isInvented(Self.answer(short: nil, sources: [1]), texts: texts, lookup: none))
        #expect(try !QAEvaluation.isInvented(Self.answer(short: AnswerEngine.notInDocuments, sources: []), texts: [:], lookup: none))
        // A chunk not among the retrieved ones is looked up.
        #expect(try !QAEvaluation.isInvented(Self.answer(short: "Stadium", sources: [9]), texts: texts, lookup: { ids in
            ids == [9] ? [9: "a Stadium"] : [:] }))
    }

    @Test func predictionsAreTheShortAnswerElseTheAnswerWithoutCitations() throws {
        #expect(QAEvaluation.prediction(try Self.answer(short: "Denver", sources: [1])) == "Denver")
        #expect(QAEvaluation.prediction(try Self.answer(short: nil, sources: [1])) == "text")
        #expect(QAEvaluation.prediction(try Self.answer(short: AnswerEngine.notInDocuments, sources: [])) == "")
    }

    @Test func aRunScoresHitsAndWritesEveryKey() async throws {
        let hits = [FixedRetriever.hit(1, "a00p000", "The Broncos defeated the Panthers. Attendance was 71,088."),
                    FixedRetriever.hit(2, "a00p001", "Beyoncé headlined the halftime show in Santa Clara.")]
        let recorder = RecordingContextRetriever(FixedRetriever(hits: hits))
        let engine = AnswerEngine(retriever: recorder, generator: nil, template: try PromptTemplate.load(nil), cache: nil,
                                  countTokens: { _ in 0 })
        let evaluation = QAEvaluation(engine: engine, recorder: recorder,
                                      naming: PassageNaming(corpus: "data/passages.jsonl", isFolder: false), chunkTexts: { _ in [:] })
        let questions = [
            QAQuestion(id: "1", question: "Who headlined the halftime show?", answers: ["Beyoncé"], passageIDs: ["a00p001"]),
            QAQuestion(id: "2", question: "Who did the Broncos defeat?", answers: ["the Panthers"], passageIDs: ["a00p000"]),
            QAQuestion(id: "3", question: "Where was it?", answers: ["Santa Clara"], passageIDs: ["a09p000"]),
        ]
        var options = AskOptions()
        options.extractive = true
        options.useCache = false
        var progress: [Int] = []
        let outcome = try await evaluation.run(questions, options: options) { done, _ in progress.append(done) }
        #expect(progress == [1, 2, 3])
        let p = outcome.predictions
        #expect(p.map(\.hit) == [2, 1, nil])
        #expect(p[0].prediction.hasPrefix("Beyoncé headlined") && !p[0].prediction.contains("["))
        #expect(p.allSatisfy { !$0.invented && $0.shortAnswer == nil })
        let m = outcome.metrics
        #expect(m.n == 3 && m.hitAt1 == 1.0 / 3 && m.hitAtK == 2.0 / 3 && m.invented == 0)
        // The answer's first source is the chunk its best sentence came from: question 1's gold chunk, though retrieval
        // ranked it second.
        #expect(p.map(\.citedGold) == [true, true, false] && m.citedAt1 == 2.0 / 3)
        #expect(m.f1 > 0 && m.f1 < 100)

        let line = try #require(try JSONSerialization.jsonObject(with: JSONEncoder.snakeCase.encode(m)) as? [String: Any])
        #expect(Set(line.keys) == ["em", "f1", "n", "hit@1", "hit@k", "invented", "latency_p50_s", "latency_p95_s", "prompt_tokens_p50"])
        let row = try #require(try JSONSerialization.jsonObject(with: JSONEncoder.snakeCase.encode(p[2])) as? [String: Any])
        #expect(Set(row.keys) == ["id", "question", "prediction", "answer", "short_answer", "gold", "em", "f1", "hit", "cited_gold",
                                  "latency_s", "prompt_tokens", "invented"])
        #expect(row["hit"] is NSNull && row["short_answer"] is NSNull)

        // The gold passage only: the reader sees the one passage, so it is always the first hit.
        var gold = evaluation
        gold.goldPassage = true
        let reader = try await gold.run(Array(questions.prefix(2)), options: options)
        #expect(reader.predictions.map(\.hit) == [1, 1] && reader.metrics.hitAt1 == 1)
    }

    @Test func withoutPassageIDsThereAreNoHitFigures() {
        let p = QAEvaluation.Prediction(id: "1", question: "q", prediction: "x", answer: "x", shortAnswer: nil, gold: ["x"], em: 1, f1: 1,
                                        hit: nil, latencyS: 0.5, promptTokens: 10, invented: false)
        let m = QAEvaluation.metrics([p], questions: [QAQuestion(id: "1", question: "q", answers: ["x"])])
        #expect(m.hitAt1 == nil && m.hitAtK == nil && m.em == 100 && m.latencyP50S == 0.5 && m.promptTokensP50 == 10)
    }
}
