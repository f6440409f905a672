/// The span reader against the reference of its training code (Tests/Fixtures/reader-reference.json: a PyTorch
/// forward of the encoder with the reader's adapters merged, and the head), its invariants, and hostile input.
/// Run in release: `swift test -c release -Xswiftc -enable-testing --filter ReaderTests`.
import Encoder
import Foundation
@testable import Reader
import TestSupport
import Testing
import Tokenizers

struct ReaderReference: Decodable {
    struct Item: Decodable {
        let question: String
        let passage: String
        let start_logits: [Float]
        let end_logits: [Float]
        let null_logits: [Float]
        let best: String
    }
    let items: [Item]
}

func loadReader() throws -> SpanReader {
    guard let reader = try SpanReader.load(modelsDirectory: Paths.root.appendingPathComponent("Models").path) else {
        Issue.record("encoder files missing in Models/minilm: run scripts/fetch-models")
        throw CancellationError()
    }
    return reader
}

@Suite("Span reader") struct ReaderTests {
    @Test("logits and best span equal the training code's on the reference items")
    func matchesReference() throws {
        let reader = try loadReader()
        let reference = try JSONDecoder().decode(ReaderReference.self,
                                                 from: Data(contentsOf: Paths.fixtures.appendingPathComponent("reader-reference.json")))
        #expect(reference.items.count >= 5)
        for item in reference.items {
            let y = try reader.firstWindowLogits(question: item.question, passage: item.passage)
            #expect(y.count == 2 * item.start_logits.count + 2, "token count differs for \(item.question)")
            guard y.count == 2 * item.start_logits.count + 2 else { continue }
            var worst: Float = 0
            for i in 0..<item.start_logits.count {
                worst = max(worst, abs(y[2 * i] - item.start_logits[i]), abs(y[2 * i + 1] - item.end_logits[i]))
            }
            let n = item.start_logits.count
            worst = max(worst, abs(y[2 * n] - item.null_logits[0]), abs(y[2 * n + 1] - item.null_logits[1]))
            #expect(worst < 0.05, "largest logit difference \(worst) for \(item.question)")
            // The reference's best word-aligned span, less the punctuation the reader trims from its ends.
            let expected = item.best.trimmingCharacters(in: CharacterSet(charactersIn: ",;:.\"' "))
            let best = try reader.read(question: item.question, passages: [item.passage], limit: 1).first
            #expect(best?.text == expected, "\(item.question): \(best?.text ?? "nil") vs \(expected)")
        }
    }

    @Test("adapters change the encoder: the reader's states differ from the sentence encoder's, its model id names them")
    func adaptersMerged() throws {
        let reader = try loadReader()
        let plain = try MiniLMEncoder(directory: Paths.encoderDirectory, precision: .fp32)
        #expect(reader.encoder.modelID == plain.modelID + "+reader-\(reader.weights.sha256.prefix(16))")
        let ids = plain.tokenize("Where is the index stored?")
        let a = try plain.tokenStates(ids, layers: [5])[0], b = try reader.encoder.tokenStates(ids, layers: [5])[0]
        #expect(zip(a, b).map { abs($0 - $1) }.max()! > 0.1)
        // The checkpoint's own weights are untouched (a private mapping): a fresh load gives the same states.
        let again = try MiniLMEncoder(directory: Paths.encoderDirectory, precision: .fp32)
        #expect(try again.tokenStates(ids, layers: [5])[0] == a)
    }

    @Test("scores are relative to the no-answer logits: a passage that holds the answer scores high, one that does not low")
    func noAnswerScoresLow() throws {
        let reader = try loadReader()
        let passage = "Super Bowl 50 was an American football game. The Denver Broncos defeated the Carolina Panthers 24–10 "
            + "to earn their third Super Bowl title. The game was played on February 7, 2016, at Levi's Stadium in Santa Clara."
        let unrelated = "Chunks are cut at 200 tokens with an overlap of 32, and each is embedded by the encoder."
        let answered = try #require(try reader.read(question: "Who won Super Bowl 50?", passages: [passage], limit: 1).first)
        #expect(answered.text.contains("Denver Broncos"), "\(answered.text)")
        let stray = try reader.read(question: "Who won Super Bowl 50?", passages: [unrelated], limit: 1).first
        // 2 is AskOptions.readerMinScore's default (chosen on qa-dev's validation articles; docs/ARCHITECTURE.md).
        #expect(answered.score > 2 && (stray?.score ?? -.infinity) < 2, "\(answered.score) \(stray?.score ?? -.infinity)")
    }

    @Test("every span is a verbatim, word-aligned substring of its passage")
    func spansAreVerbatim() throws {
        let reader = try loadReader()
        let passages = ["The café opened in 1998 in São Paulo; it serves 40 kinds of coffee.",
                        "Run scripts/fetch-models (or make models). The files go to Models/, beside the index.",
                        String(repeating: "Long passages are read in overlapping windows of the encoder's length. ", count: 60)
                            + "The answer is forty-two."]
        for question in ["When did the café open?", "How do I fetch the models?", "What is the answer?", "Where?"] {
            let spans = try reader.read(question: question, passages: passages, limit: 10)
            #expect(!spans.isEmpty)
            for span in spans {
                let scalars = Array(passages[span.passage].unicodeScalars)
                #expect(span.start < span.end && span.end <= scalars.count)
                #expect(String(String.UnicodeScalarView(scalars[span.start..<span.end])) == span.text)
                #expect(passages[span.passage].contains(span.text))
            }
        }
        // The long passage's last sentence is reached through its windows.
        let far = try reader.read(question: "What is the answer?", passages: [passages[2]], limit: 20)
        #expect(far.contains { $0.start > 3000 })
    }

    @Test("hostile input: empty, huge, other scripts, code; never a crash, bounded work")
    func hostileInput() throws {
        let reader = try loadReader()
        #expect(try reader.read(question: "   ", passages: ["Some text."]).isEmpty)
        #expect(try reader.read(question: "What?", passages: []).isEmpty)
        #expect(try reader.read(question: "What?", passages: ["", "\u{0}\u{1}"]).isEmpty)
        let huge = String(repeating: "question words ", count: 700)
        #expect(try !reader.read(question: huge, passages: ["An answer passage with words."]).isEmpty)
        let code = "func main() { let x = [1, 2, 3].map { $0 * 2 }; print(x) } // prints [2, 4, 6]"
        #expect(try !reader.read(question: "What does it print?", passages: [code]).isEmpty)
        let spans = try reader.read(question: "東京はどこですか", passages: ["東京は日本の首都です。", "Москва — столица России."])
        for span in spans { #expect(["東京は日本の首都です。", "Москва — столица России."][span.passage].contains(span.text)) }
        // A passage of a million characters is cut to the window limit, not read whole.
        let t0 = Date()
        _ = try reader.read(question: "What?", passages: [String(repeating: "word ", count: 200_000)])
        #expect(Date().timeIntervalSince(t0) < 60)
    }

    @Test("words(): offsets and ids agree with the whole-text tokenization")
    func wordsMatchTokenizer() throws {
        let tokenizer = try WordPieceTokenizer(directory: Paths.encoderDirectory)
        for text in ["Hello, world! It's 3.14 — naïve café (test).", "東京は日本", "tabs\tand\nnew lines  ", "x\u{0}y", ""] {
            let words = tokenizer.words(text)
            #expect(words.flatMap(\.ids) == tokenizer.tokenIDs(text), "\(text)")
            let scalars = Array(text.unicodeScalars)
            for w in words { #expect(w.start < w.end && w.end <= scalars.count) }
        }
    }

    @Test("question kinds: wh-class and yes/no")
    func questionKinds() {
        #expect(QuestionKind.classes[QuestionKind.whClass("How many firms were there?")] == "how many")
        #expect(QuestionKind.classes[QuestionKind.whClass("In what year did it end?")] == "what year")
        #expect(QuestionKind.classes[QuestionKind.whClass("Who's there?")] == "who")
        #expect(QuestionKind.classes[QuestionKind.whClass("Name the river.")] == "other")
        #expect(QuestionKind.isYesNo("Did the plague return?"))
        #expect(QuestionKind.isYesNo("Is rag able to read PDF files?"))
        #expect(QuestionKind.isYesNo("Can I run it offline?"))
        #expect(!QuestionKind.isYesNo("What did the plague do?"))
        #expect(!QuestionKind.isYesNo("Where is the index stored?"))
    }
}
