import Foundation
import TestSupport
import Testing

/// `rag eval-qa` end to end with the real encoder and the extractive engine (no generator): a tiny qa-dev-style
/// corpus and a tiny folder corpus; the printed EM/F1 equal qa_score.py's on the predictions file.
@Suite(.serialized) struct EvalQACLITests {
    static let passages: [(id: String, title: String, text: String)] = [
        ("a00p000", "Super Bowl 50", "The Denver Broncos defeated the Carolina Panthers 24–10 to earn their third Super Bowl title."),
        ("a00p001", "Super Bowl 50", "The game was played on February 7, 2016, at Levi's Stadium in Santa Clara, California."),
        ("a01p000", "Warsaw", "Warsaw is the capital and largest city of Poland, with a population of 1.7 million."),
        ("a24p000", "Oxygen", "Oxygen is a chemical element with symbol O and atomic number 8."),
        ("a24p001", "Oxygen", "Joseph Priestley and Carl Wilhelm Scheele discovered oxygen in the 1770s."),
        ("a30p000", "Amazon rainforest", "The Amazon rainforest covers much of the Amazon basin of South America, about 5,500,000 square kilometres."),
    ]
    static let questions: [(id: String, question: String, answers: [String], passage: String)] = [
        ("q1", "Which team defeated the Carolina Panthers?", ["Denver Broncos", "The Denver Broncos"], "a00p000"),
        ("q2", "In which stadium was the game played?", ["Levi's Stadium"], "a00p001"),
        ("q3", "What is the capital of Poland?", ["Warsaw"], "a01p000"),
        ("q4", "What is the atomic number of oxygen?", ["8"], "a24p000"),
        ("q5", "Who discovered oxygen?", ["Joseph Priestley and Carl Wilhelm Scheele", "Joseph Priestley"], "a24p001"),
        ("q6", "How large is the area the Amazon rainforest covers?", ["5,500,000 square kilometres"], "a30p000"),
    ]

    /// Writes the corpus and questions into a new folder: (folder, passages.jsonl, qa.jsonl).
    static func dataset() throws -> (URL, String, String) {
        let dir = try CLI.temporaryDirectory("eval-qa")
        func jsonl(_ rows: [[String: Any]]) throws -> String {
            try rows.map { String(decoding: try JSONSerialization.data(withJSONObject: $0), as: UTF8.self) }.joined(separator: "\n") + "\n"
        }
        let corpus = dir.appendingPathComponent("passages.jsonl").path
        try jsonl(passages.map { ["_id": $0.id, "title": $0.title, "text": $0.text] }).write(toFile: corpus, atomically: true, encoding: .utf8)
        let qa = dir.appendingPathComponent("qa.jsonl").path
        try jsonl(questions.map { ["id": $0.id, "question": $0.question, "answers": $0.answers, "passage_ids": [$0.passage]] })
            .write(toFile: qa, atomically: true, encoding: .utf8)
        return (dir, corpus, qa)
    }

    static let keys: Set<String> = ["em", "f1", "n", "hit@1", "hit@k", "invented", "latency_p50_s", "latency_p95_s", "prompt_tokens_p50"]

    @Test func scoresAJSONLCorpusAsQAScorePyDoes() throws {
        let (dir, corpus, qa) = try Self.dataset()
        defer { try? FileManager.default.removeItem(at: dir) }
        let index = dir.appendingPathComponent("index.sqlite").path
        let predictions = dir.appendingPathComponent("predictions.jsonl").path
        let r = try CLI.run(["eval-qa", "--corpus", corpus, "--qa", qa, "--index", index, "--extractive", "--json", "--predictions", predictions])
        #expect(r.status == 0, "\(r.stderr)")
        let m = try #require(r.json, "\(r.stdout)")
        #expect(Set(m.keys) == Self.keys)
        #expect(m["n"] as? Int == 6 && m["invented"] as? Int == 0 && m["prompt_tokens_p50"] as? Int == 0)
        // Keyword-friendly questions over six passages: the gold passage is retrieved for most of them.
        #expect((m["hit@k"] as? Double ?? 0) >= 0.8, "\(m)")
        #expect((m["hit@1"] as? Double ?? 0) <= (m["hit@k"] as? Double ?? 0))
        #expect((m["f1"] as? Double ?? 0) > 10, "extractive sentences overlap the gold spans: \(m)")
        #expect((m["latency_p50_s"] as? Double ?? 0) > 0)

        // One line per question, with every key; the scored prediction run through the reference scorer gives the
        // same EM and F1.
        let lines = try String(contentsOfFile: predictions, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 6)
        var forPython = ""
        for line in lines {
            let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(Set(o.keys) == ["id", "question", "prediction", "answer", "short_answer", "gold", "em", "f1", "hit", "cited_gold", "latency_s",
                                    "prompt_tokens", "invented"])
            let row = try JSONSerialization.data(withJSONObject: ["id": o["id"]!, "answer": o["prediction"]!])
            forPython += String(decoding: row, as: UTF8.self) + "\n"
        }
        let pythonFile = dir.appendingPathComponent("python.jsonl").path
        try forPython.write(toFile: pythonFile, atomically: true, encoding: .utf8)
        let script = Paths.shared.appendingPathComponent("eval/qa-dev/qa_score.py").path
        let p = try CLI.run([script, pythonFile, qa, "--only-predicted"], binary: "/usr/bin/python3")
        #expect(p.status == 0, "\(p.stderr)")
        let py = try #require(p.json, "\(p.stdout)")
        #expect(py["em"] as? Double == m["em"] as? Double && py["f1"] as? Double == m["f1"] as? Double && py["n"] as? Int == 6,
                "python \(py) vs rag \(m)")

        // The index is reused: a second run ingests nothing new and gives the same figures.
        let again = try CLI.run(["eval-qa", "--corpus", corpus, "--qa", qa, "--index", index, "--extractive", "--json"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.json?["em"] as? Double == m["em"] as? Double && again.json?["f1"] as? Double == m["f1"] as? Double)
    }

    @Test func splitsSamplesAndGivesTheReaderTheGoldPassage() throws {
        let (dir, corpus, qa) = try Self.dataset()
        defer { try? FileManager.default.removeItem(at: dir) }
        let index = dir.appendingPathComponent("index.sqlite").path
        let base = ["eval-qa", "--corpus", corpus, "--qa", qa, "--index", index, "--extractive", "--json"]
        let test = try CLI.run(base + ["--split", "test"])
        #expect(test.status == 0, "\(test.stderr)")
        #expect(test.json?["n"] as? Int == 3)
        let train = try CLI.run(base + ["--split", "train", "--limit", "2", "--seed", "5"])
        #expect(train.json?["n"] as? Int == 2)
        let gold = try CLI.run(base + ["--gold-passage", "-k", "2"])
        #expect(gold.status == 0, "\(gold.stderr)")
        #expect(gold.json?["hit@1"] as? Double == 1 && gold.json?["hit@k"] as? Double == 1, "\(gold.stdout)")

        let bad = try CLI.run(base + ["--split", "dev"])
        #expect(bad.status == 2)
        let missing = try CLI.run(["eval-qa", "--corpus", corpus, "--qa", dir.appendingPathComponent("none.jsonl").path, "--index", index, "--extractive"])
        #expect(missing.status != 0 && missing.stderr.contains("none.jsonl"))
    }

    @Test func matchesPassagesOfAFolderCorpusByPathBelowIt() throws {
        let dir = try CLI.temporaryDirectory("eval-qa-folder")
        defer { try? FileManager.default.removeItem(at: dir) }
        let docs = dir.appendingPathComponent("docs")
        try FileManager.default.createDirectory(at: docs.appendingPathComponent("guide"), withIntermediateDirectories: true)
        try "# Serving\n\nStart the HTTP server with rag serve on port 8080.\n"
            .write(to: docs.appendingPathComponent("guide/serving.md"), atomically: true, encoding: .utf8)
        try "# Models\n\nFetch the model files with scripts/fetch-models before the first run.\n"
            .write(to: docs.appendingPathComponent("models.md"), atomically: true, encoding: .utf8)
        let qa = dir.appendingPathComponent("qa.jsonl").path
        try """
            {"id": "1", "question": "How do I start the HTTP server?", "answers": ["rag serve"], "passage_ids": ["guide/serving.md"]}
            {"id": "2", "question": "How do I fetch the model files?", "answers": ["scripts/fetch-models"], "passage_ids": ["models.md"]}
            """.write(toFile: qa, atomically: true, encoding: .utf8)
        let index = dir.appendingPathComponent("index.sqlite").path
        let r = try CLI.run(["eval-qa", "--corpus", docs.path + "/", "--qa", qa, "--index", index, "--extractive"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("hit@1     1.0000"), "\(r.stdout)")
        #expect(r.stdout.hasPrefix("EM ") && r.stdout.contains("questions 2"), "\(r.stdout)")
    }
}
