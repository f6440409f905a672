import Foundation
import TestSupport
import Testing

/// Ratings given through a real `rag serve` become evaluation data: `rag feedback export` writes the approved
/// answers as QA cases that `rag eval-qa` loads and scores with the real models, and the rejected ones to re-check;
/// `rag feedback --stats` counts them.
@Suite(.serialized) struct FeedbackExportCLITests {
    @Test func ratedAnswersBecomeQACasesThatEvalQAScores() async throws {
        let (dir, corpus, _) = try EvalQACLITests.dataset()
        let index = dir.appendingPathComponent("served.sqlite").path
        let ingest = try CLI.run(["ingest", corpus, "--index", index, "--json"])
        #expect(ingest.status == 0, "\(ingest.stderr)")

        let server = try await ServerProcess.start(["--index", index])
        var ids: [String] = []
        var shortAnswers: [String?] = []
        for question in ["What is the capital of Poland?", "What is the atomic number of oxygen?", "In which stadium was the game played?"] {
            let ask = try await server.post("/v1/ask", json: ["question": question])
            #expect(ask.status == 200, "\(ask.text)")
            ids.append(try #require(ask.json?["id"] as? String, "\(ask.text)"))
            shortAnswers.append(ask.json?["short_answer"] as? String)
        }
        // The first answer is rated down, then up: its latest rating counts.
        for (id, rating, comment) in [(ids[0], -1, "first try"), (ids[0], 1, ""), (ids[1], 1, "right"), (ids[2], -1, "wrong stadium")] {
            let r = try await server.post("/v1/feedback", json: ["answer_id": id, "rating": rating, "comment": comment])
            #expect(r.status == 201, "\(r.text)")
        }
        _ = server.stop()

        // The list works as before.
        let list = try CLI.run(["feedback", "--index", index, "--json"])
        #expect(list.status == 0 && list.stdout.split(separator: "\n").count == 4, "\(list.stderr)")

        let qa = dir.appendingPathComponent("cases.jsonl").path
        let passages = dir.appendingPathComponent("cases-passages.jsonl").path
        let export = try CLI.run(["feedback", "export", "--index", index, "--qa", qa, "--passages", passages, "--json"])
        #expect(export.status == 0, "\(export.stderr)")
        #expect(export.json?["cases"] as? Int == 2 && export.json?["recheck"] as? Int == 1, "\(export.stdout)")
        let recheckPath = dir.appendingPathComponent("cases.recheck.jsonl").path
        #expect(export.json?["recheck_file"] as? String == recheckPath)

        func lines(_ path: String) throws -> [[String: Any]] {
            try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
                try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
            }
        }
        let cases = try lines(qa)
        #expect(cases.map { $0["id"] as? String } == [ids[0], ids[1]])
        #expect(cases.first?["question"] as? String == "What is the capital of Poland?")
        for (c, short) in zip(cases, shortAnswers) {
            let gold = try #require((c["answers"] as? [String])?.first)
            if let short { #expect(gold == short) } else { #expect(!gold.contains("[1]")) }
        }
        // The cited chunks' documents, named as eval-qa names the corpus's passages: their BEIR _ids.
        #expect(cases[0]["passage_ids"] as? [String] == ["a01p000"], "\(cases[0])")
        #expect((cases[1]["passage_ids"] as? [String])?.contains("a24p000") == true, "\(cases[1])")
        let recheck = try lines(recheckPath)
        #expect(recheck.count == 1 && recheck[0]["id"] as? String == ids[2] && recheck[0]["why"] as? String == "wrong stadium")
        #expect(recheck[0]["question"] as? String == "In which stadium was the game played?" && recheck[0]["answer"] is String)
        let passageLines = try lines(passages)
        #expect(Set(passageLines.compactMap { $0["_id"] as? String }).isSuperset(of: ["a01p000", "a24p000"]))
        #expect(passageLines.allSatisfy { ($0["text"] as? String)?.isEmpty == false })

        // eval-qa loads the cases and scores them, on the exported passages and on the original corpus.
        let onPassages = try CLI.run(["eval-qa", "--corpus", passages, "--qa", qa, "--index", dir.appendingPathComponent("p.sqlite").path, "--json"])
        #expect(onPassages.status == 0, "\(onPassages.stderr)")
        let m = try #require(onPassages.json, "\(onPassages.stdout)")
        #expect(m["n"] as? Int == 2)
        #expect((m["f1"] as? Double ?? 0) > 50, "the engine that gave the approved answers gives them again: \(m)")
        #expect(m["hit@k"] as? Double == 1)
        let onCorpus = try CLI.run(["eval-qa", "--corpus", corpus, "--qa", qa, "--index", dir.appendingPathComponent("c.sqlite").path, "--json"])
        #expect(onCorpus.status == 0, "\(onCorpus.stderr)")
        #expect(onCorpus.json?["n"] as? Int == 2 && onCorpus.json?["hit@k"] as? Double == 1, "\(onCorpus.stdout)")

        // Stats: every rating, per ISO week and per document.
        let stats = try CLI.run(["feedback", "--stats", "--json", "--index", index])
        #expect(stats.status == 0, "\(stats.stderr)")
        let weeks = try #require(stats.json?["weeks"] as? [[String: Any]])
        #expect(weeks.count == 1)
        #expect(weeks[0]["up"] as? Int == 2 && weeks[0]["down"] as? Int == 2 && weeks[0]["neutral"] as? Int == 0)
        let week = try #require(weeks[0]["week"] as? String)
        #expect(week.range(of: #"^\d{4}-W\d{2}$"#, options: .regularExpression) != nil)
        let documents = try #require(stats.json?["documents"] as? [[String: Any]])
        let poland = try #require(documents.first { $0["path"] as? String == corpus + "#a01p000" }, "\(documents)")
        #expect(poland["up"] as? Int == 1 && poland["down"] as? Int == 1)
        let text = try CLI.run(["feedback", "--stats", "--index", index])
        #expect(text.stdout.hasPrefix("week") && text.stdout.contains(week) && text.stdout.contains(corpus + "#a01p000"))
    }
}
