/// The Corpus question set (Tests/Fixtures/corpus-qa/qa.jsonl): well formed, and every gold answer a verbatim span of
/// the raw file of its page, so an extractive reader can score 100.
import Benchmarks
import Foundation
import TestSupport
import Testing

@Suite struct CorpusQATests {
    static let file = Paths.fixtures.appendingPathComponent("corpus-qa/qa.jsonl").path
    static let corpus = Paths.root.appendingPathComponent("Corpus")

    @Test func everyGoldAnswerOccursVerbatimInItsPassageFile() throws {
        let questions = try QAQuestion.load(path: Self.file)
        for q in questions {
            #expect(q.passageIDs.count == 1, "\(q.id)")
            for p in q.passageIDs {
                let url = Self.corpus.appendingPathComponent(p)
                let text = try #require(try? String(contentsOf: url, encoding: .utf8), "\(q.id): no Corpus/\(p)")
                for a in q.answers {
                    // Byte for byte, as Python's `in` would check it (Swift's contains would accept a canonically
                    // equivalent spelling).
                    #expect(Self.containsBytes(text, a), "\(q.id): \"\(a)\" is not in Corpus/\(p)")
                    #expect(!a.isEmpty && !SQuADScore.normalize(a).isEmpty, "\(q.id): \"\(a)\" normalises to nothing")
                }
            }
        }
    }

    @Test func theSetIsLargeCoversEveryPageAndHoldsTheDemoQuestions() throws {
        let questions = try QAQuestion.load(path: Self.file)
        #expect(questions.count >= 60)
        #expect(Set(questions.map(\.id)).count == questions.count)
        #expect(Set(questions.map(\.question)).count == questions.count)
        let pages = try FileManager.default.subpathsOfDirectory(atPath: Self.corpus.path).filter {
            var dir: ObjCBool = false
            return FileManager.default.fileExists(atPath: Self.corpus.appendingPathComponent($0).path, isDirectory: &dir) && !dir.boolValue
        }
        #expect(Set(questions.flatMap(\.passageIDs)) == Set(pages))
        let fetch = try #require(questions.first { $0.question == "How do I fetch the models, and where are they stored?" })
        #expect(fetch.answers.contains("scripts/fetch-models") && fetch.answers.contains("make models"))
        let serve = try #require(questions.first { $0.question == "How do I start the HTTP server?" })
        #expect(serve.answers == ["rag serve"])
    }

    static func containsBytes(_ text: String, _ part: String) -> Bool {
        let t = Array(text.utf8), p = Array(part.utf8)
        guard !p.isEmpty, p.count <= t.count else { return p.isEmpty }
        for i in 0...(t.count - p.count) where t[i] == p[0] && Array(t[i..<(i + p.count)]) == p { return true }
        return false
    }
}
