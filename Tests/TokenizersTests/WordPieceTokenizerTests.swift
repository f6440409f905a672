/// WordPiece against the sentence-transformers reference (../shared/fixtures/minilm-reference.json).
import Foundation
import TestSupport
import Testing
import Tokenizers

struct ReferenceItem: Decodable {
    let text: String
    let token_ids: [Int32]
}

struct Reference: Decodable {
    let items: [ReferenceItem]
}

func loadTokenizer() throws -> WordPieceTokenizer {
    guard FileManager.default.fileExists(atPath: Paths.encoderDirectory.appendingPathComponent("vocab.txt").path) else {
        Issue.record("model files missing in \(Paths.encoderDirectory.path): run scripts/fetch-models")
        throw CancellationError()
    }
    return try WordPieceTokenizer(directory: Paths.encoderDirectory)
}

func loadReference() throws -> Reference {
    let data = try Data(contentsOf: Paths.sharedFixture("minilm-reference.json"))
    return try JSONDecoder().decode(Reference.self, from: data)
}

@Test func tokenIDsEqualSentenceTransformersForEveryFixtureItem() throws {
    let tokenizer = try loadTokenizer()
    let reference = try loadReference()
    #expect(reference.items.count == 41)
    for item in reference.items {
        let ids = tokenizer.encode(item.text)
        #expect(ids == item.token_ids, "text: \(item.text.debugDescription)")
    }
}

@Test func tokenCountIsEncodeWithoutSpecialsAndWithoutTruncation() throws {
    let tokenizer = try loadTokenizer()
    let reference = try loadReference()
    for item in reference.items {
        let count = tokenizer.tokenCount(item.text)
        let full = tokenizer.tokenIDs(item.text)
        #expect(count == full.count)
        if item.token_ids.count < 256 {
            #expect(count == item.token_ids.count - 2)
        } else {
            #expect(count >= 254)
            #expect(Array(full.prefix(254)) == Array(item.token_ids.dropFirst().dropLast()))
        }
    }
}

@Test func longTextIsTruncatedToMaxLengthWithSeparatorLast() throws {
    let tokenizer = try loadTokenizer()
    let text = String(repeating: "retrieval augmented generation ", count: 20_000)
    let ids = tokenizer.encode(text)
    #expect(ids.count == 256)
    #expect(ids.first == tokenizer.clsID)
    #expect(ids.last == tokenizer.sepID)
    #expect(tokenizer.tokenCount(text) == 60_000)
}

@Test func wordsOverOneHundredCharactersBecomeUnknown() throws {
    let tokenizer = try loadTokenizer()
    let long = String(repeating: "a", count: 101)
    #expect(tokenizer.encode(long) == [tokenizer.clsID, tokenizer.unkID, tokenizer.sepID])
    #expect(tokenizer.encode(String(repeating: "a", count: 100)).count > 3)
}

@Test func controlCharactersAndEmojiOnlyTextsGiveValidSequences() throws {
    let tokenizer = try loadTokenizer()
    #expect(tokenizer.encode("\u{0}\u{1}\u{7F}\u{200B}") == [tokenizer.clsID, tokenizer.sepID])
    #expect(tokenizer.encode("🍕") == [tokenizer.clsID, tokenizer.unkID, tokenizer.sepID])
    #expect(tokenizer.encode("") == [tokenizer.clsID, tokenizer.sepID])
}

@Test func specialTokensWrittenInTextAreRecognisedAsTheFastTokenizerDoes() throws {
    let tokenizer = try loadTokenizer()
    let ids = tokenizer.encode("a[SEP]b")
    #expect(ids.count == 5)
    #expect(ids[2] == tokenizer.sepID)
}

@Test func missingVocabularyIsAClearError() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("wp-missing-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    try Data("{}".utf8).write(to: dir.appendingPathComponent("tokenizer_config.json"))
    #expect {
        _ = try WordPieceTokenizer(directory: dir)
    } throws: { error in
        "\(error)".contains("vocab.txt") && "\(error)".contains("scripts/fetch-models")
    }
}
