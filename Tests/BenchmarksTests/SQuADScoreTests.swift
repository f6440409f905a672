/// The Swift SQuAD scorer against the reference, `../shared/eval/qa-dev/qa_score.py`: the same normalised strings on
/// tricky Unicode, and the same EM/F1 on the same predictions over real qa-dev questions.
import Benchmarks
import Foundation
import TestSupport
import Testing

enum QAScorePy {
    static let directory = Paths.shared.appendingPathComponent("eval/qa-dev")
    static let script = directory.appendingPathComponent("qa_score.py").path

    /// Runs `python3 args…` with `stdin`, returning standard output (the test fails on a non-zero status).
    static func python(_ args: [String], stdin: String = "") throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3"] + args
        let input = Pipe(), output = Pipe(), error = Pipe()
        p.standardInput = input
        p.standardOutput = output
        p.standardError = error
        try p.run()
        input.fileHandleForWriting.write(Data(stdin.utf8))
        try input.fileHandleForWriting.close()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = error.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "python3 \(args): \(String(decoding: err, as: UTF8.self))")
        return String(decoding: out, as: UTF8.self)
    }

    /// `qa_score.py PREDICTIONS QA [--only-predicted]` → its printed {"em", "f1", "n"}.
    static func score(predictions: String, qa: String, onlyPredicted: Bool) throws -> (em: Double, f1: Double, n: Int) {
        let out = try python([script, predictions, qa] + (onlyPredicted ? ["--only-predicted"] : []))
        let o = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any], "\(out)")
        return (try #require(o["em"] as? Double), try #require(o["f1"] as? Double), try #require(o["n"] as? Int))
    }
}

@Suite struct SQuADScoreTests {
    @Test func normalisationFollowsTheOfficialSteps() {
        #expect(SQuADScore.normalize("  The  U.S.-led, an ANSWER!  ") == "usled answer")
        #expect(SQuADScore.normalize("theory of a thing") == "theory of thing")
        #expect(SQuADScore.normalize("The") == "")
        #expect(SQuADScore.exactMatch("Yes.", "yes") == 1)
        #expect(SQuADScore.f1("about 18 months", "18 months") == 0.8)
        #expect(SQuADScore.f1("", "") == 0 && SQuADScore.exactMatch("", "the") == 1)
    }

    /// qa_score.py's --self-test example, the numbers it checks by hand.
    @Test func reproducesTheSelfTestOfQAScorePy() {
        let gold: [(id: String, answers: [String])] = [("1", ["yes"]), ("2", ["18 months"]), ("3", ["the United States Note", "US Note"]),
                                                       ("4", ["1832"]), ("5", ["Grace Bedell"])]
        let preds = ["1": "Yes.", "2": "about 18 months", "3": "The United States note!", "4": "1860", "x": "ignored"]
        let all = SQuADScore.score(predictions: preds, gold: gold)
        #expect(all.em == 40 && abs(all.f1 - 56) < 1e-9 && all.n == 5)
        let answered = SQuADScore.score(predictions: preds, gold: gold, onlyPredicted: true)
        #expect(answered.em == 50 && abs(answered.f1 - 70) < 1e-9 && answered.n == 4)
    }

    /// Strings where a naive Swift port would differ from Python: Unicode punctuation (kept), canonically
    /// equivalent spellings (different in Python), final sigma, Python-only whitespace (U+001C), articles next to
    /// non-ASCII letters, digits and combining marks, and ASCII punctuation inside words.
    static let tricky = [
        "The Café", "the cafe\u{301}", "Caf\u{E9}", "ΟΔΟΣ ΣΟΦΙΑΣ", "Σ", "aΣ.", "ΑΣ'Σ", "İstanbul", "STRASSE ß", "ﬁne",
        "a\u{301} the\u{301}", "thé the", "the\u{A0}answer", "a\u{1C}b\u{1F}c", "an\u{2003}apple\u{3000}a", "x\u{200B}the",
        "the²", "a١", "an_the", "the-the", "“quoted” — dash", "¿Qué?", "l'a", "THE END.", "A.B.C.", "  ", "",
        "the\tanswer\nis\r\n42", "Ⅻ the", "ǅemal", "K\u{212A}", "the\u{0345}", "東京 the 東京",
    ]

    @Test func normalisationEqualsPythonOnTrickyUnicode() throws {
        let program = """
            import json, sys
            sys.path.insert(0, \(String(reflecting: QAScorePy.directory.path)))
            import qa_score
            print(json.dumps([qa_score.normalize_answer(s) for s in json.load(sys.stdin)]))
            """
        let input = String(decoding: try JSONSerialization.data(withJSONObject: Self.tricky), as: UTF8.self)
        let out = try QAScorePy.python(["-c", program], stdin: input)
        let expected = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String])
        #expect(expected.count == Self.tricky.count)
        for (s, want) in zip(Self.tricky, expected) {
            let got = SQuADScore.normalize(s)
            // Scalar by scalar: Swift's == would call canonically equivalent strings equal.
            #expect(Array(got.unicodeScalars) == Array(want.unicodeScalars),
                    "\(String(reflecting: s)): swift \(String(reflecting: got)), python \(String(reflecting: want))")
        }
    }

    /// 600 real qa-dev questions, with predictions of every kind (right, right in other case and punctuation,
    /// partly right, a passage window, wrong, empty, tricky Unicode, and missing): the Swift figures, rounded as the
    /// script rounds, equal the script's, with and without --only-predicted.
    @Test func scoresEqualQAScorePyOnTheSamePredictions() throws {
        let all = try QAQuestion.load(path: QAScorePy.directory.appendingPathComponent("squad-v1.1-dev/qa.jsonl").path)
        let questions = QAQuestion.sample(all, limit: 600, seed: 7)
        var predictions: [String: String] = [:]
        var lines = ""
        for (i, q) in questions.enumerated() {
            let gold = q.answers[i % q.answers.count]
            let prediction: String?
            switch i % 9 {
            case 0: prediction = gold
            case 1: prediction = "The " + gold.uppercased() + "!"
            case 2: prediction = gold.split(separator: " ").dropLast().joined(separator: " ")
            case 3: prediction = "\(q.question.split(separator: " ").prefix(3).joined(separator: " ")) \(gold) and more"
            case 4: prediction = "no idea"
            case 5: prediction = ""
            case 6: prediction = Self.tricky[i % Self.tricky.count] + " " + gold
            case 7: prediction = nil
            default: prediction = gold + " " + gold
            }
            guard let prediction else { continue }
            predictions[q.id] = prediction
            let line = try JSONSerialization.data(withJSONObject: ["id": q.id, "answer": prediction])
            lines += String(decoding: line, as: UTF8.self) + "\n"
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("squad-score-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let predictionsFile = dir.appendingPathComponent("predictions.jsonl").path
        try lines.write(toFile: predictionsFile, atomically: true, encoding: .utf8)
        let qaFile = dir.appendingPathComponent("qa.jsonl").path
        var qaLines = ""
        for q in questions {
            let line = try JSONSerialization.data(withJSONObject: ["id": q.id, "question": q.question, "answers": q.answers])
            qaLines += String(decoding: line, as: UTF8.self) + "\n"
        }
        try qaLines.write(toFile: qaFile, atomically: true, encoding: .utf8)

        let gold = questions.map { ($0.id, $0.answers) }
        for onlyPredicted in [false, true] {
            let swift = SQuADScore.score(predictions: predictions, gold: gold, onlyPredicted: onlyPredicted)
            let python = try QAScorePy.score(predictions: predictionsFile, qa: qaFile, onlyPredicted: onlyPredicted)
            #expect(swift.n == python.n)
            #expect(RoundedNumber(swift.em, decimals: 4).value == python.em, "em \(swift.em) vs \(python.em)")
            #expect(RoundedNumber(swift.f1, decimals: 4).value == python.f1, "f1 \(swift.f1) vs \(python.f1)")
            #expect(swift.em > 10 && swift.em < 90, "the predictions should mix right and wrong answers")
        }
    }
}
