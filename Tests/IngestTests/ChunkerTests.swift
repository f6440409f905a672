@testable import Ingest
import RAGCore
import Testing

/// Counts whitespace-separated words: a deterministic stand-in for WordPiece in chunking-logic tests.
struct WordCounter: TokenCounter {
    func tokenCount(_ text: String) -> Int { text.split(whereSeparator: { $0.isWhitespace }).count }
}

func doc(_ blocks: [(Block.Kind, String)]) -> Document {
    var offset = 0
    var out: [Block] = []
    for (k, t) in blocks {
        let n = t.unicodeScalars.count
        out.append(Block(kind: k, text: t, range: offset..<offset + n))
        offset += n + 2
    }
    return Document(path: "d.md", title: nil, format: .markdown, blocks: out)
}

func words(_ n: Int, _ prefix: String = "w") -> String {
    (0..<n).map { "\(prefix)\($0)" }.joined(separator: " ")
}

@Suite struct ChunkerTests {
    let config = try! ChunkerConfig(maxTokens: 20, overlapTokens: 5, minSectionTokens: 4)

    @Test func chunksCarryTheirHeadingPath() {
        let d = doc([(.heading(level: 1), "Guide"), (.paragraph, words(6)), (.heading(level: 2), "Install"),
                     (.heading(level: 3), "Linux"), (.paragraph, words(8, "l")), (.heading(level: 2), "Usage"), (.paragraph, words(7, "u"))])
        let chunks = Chunker(config: config, counter: WordCounter()).chunk(d)
        #expect(chunks.map(\.headingPathText) == ["Guide", "Guide > Install > Linux", "Guide > Usage"])
        #expect(chunks.map(\.ordinal) == [0, 1, 2])
    }

    @Test func textIsNeverJoinedAcrossHeadingsOfNormalSizedSections() {
        let d = doc([(.heading(level: 1), "A"), (.paragraph, words(6, "a")), (.heading(level: 1), "B"), (.paragraph, words(6, "b"))])
        let chunks = Chunker(config: config, counter: WordCounter()).chunk(d)
        #expect(chunks.count == 2)
        #expect(!chunks[0].text.contains("b0") && !chunks[1].text.contains("a0"))
    }

    @Test func aTinyParentSectionJoinsItsFirstSubsection() {
        let d = doc([(.heading(level: 1), "Guide"), (.paragraph, "Intro."), (.heading(level: 2), "Install"), (.paragraph, words(6))])
        let chunks = Chunker(config: config, counter: WordCounter()).chunk(d)
        #expect(chunks.count == 1)
        #expect(chunks[0].headingPathText == "Guide > Install")
        #expect(chunks[0].text.hasPrefix("Guide\n\nIntro."))
    }

    @Test func aTinySiblingSectionStandsAlone() {
        let d = doc([(.heading(level: 2), "A"), (.paragraph, "tiny"), (.heading(level: 2), "B"), (.paragraph, words(6))])
        let chunks = Chunker(config: config, counter: WordCounter()).chunk(d)
        #expect(chunks.map(\.headingPathText) == ["A", "B"])
    }

    @Test func longSectionsSplitWithinTheBudgetWithOverlap() {
        let sentences = (0..<12).map { "Sentence \($0) has five words." }.joined(separator: " ")
        let d = doc([(.paragraph, sentences)])
        let chunks = Chunker(config: config, counter: WordCounter()).chunk(d)
        #expect(chunks.count > 1)
        for c in chunks { #expect(c.tokenCount <= 20 && c.tokenCount == WordCounter().tokenCount(c.text)) }
        // Each chunk after the first starts with the last sentence of the one before it.
        for (a, b) in zip(chunks, chunks.dropFirst()) {
            let lastSentence = Sentences.split(a.text).last!
            #expect(b.text.hasPrefix(lastSentence))
        }
        // Every sentence is somewhere.
        for i in 0..<12 { #expect(chunks.contains { $0.text.contains("Sentence \(i) ") }) }
    }

    @Test func aSentenceLongerThanAChunkIsCutAtWords() {
        let d = doc([(.paragraph, words(50))])
        let chunks = Chunker(config: config, counter: WordCounter()).chunk(d)
        #expect(chunks.count >= 3)
        for c in chunks { #expect(c.tokenCount <= 20) }
        #expect(chunks.flatMap { $0.text.split(separator: " ") }.contains("w49"))
    }

    @Test func offsetsPointIntoTheSource() {
        let source = "Alpha beta.\n\nGamma delta."
        let d = Document(path: "s.txt", title: nil, format: .text, blocks: [
            Block(kind: .paragraph, text: "Alpha beta.", range: 0..<11),
            Block(kind: .paragraph, text: "Gamma delta.", range: 13..<25)])
        let chunks = Chunker(config: config, counter: WordCounter()).chunk(d)
        #expect(chunks.count == 1)
        let scalars = Array(source.unicodeScalars)
        #expect(String(String.UnicodeScalarView(scalars[chunks[0].charStart..<chunks[0].charEnd])) == source)
    }

    @Test func listItemsAndTableRowsJoinWithSingleNewlines() {
        let d = doc([(.listItem, "one"), (.listItem, "two"), (.paragraph, "after")])
        let chunks = Chunker(config: try! ChunkerConfig(maxTokens: 20, overlapTokens: 0, minSectionTokens: 0), counter: WordCounter()).chunk(d)
        #expect(chunks[0].text == "one\ntwo\n\nafter")
    }

    @Test func invalidConfigurationsAreRejectedWithTheField() {
        #expect(throws: RAGError.self) { try ChunkerConfig(maxTokens: 4) }
        #expect(throws: RAGError.self) { try ChunkerConfig(maxTokens: 100, overlapTokens: 60) }
    }

    /// A run of letters is one `[UNK]` to WordPiece (one token, any length): it must still be cut, by characters,
    /// and lose nothing (a 2 MB run once became one 2,000,062-character chunk that stalled every answer using it).
    @Test func aRunOfLettersLongerThanAWordIsCutByCharactersAndKeptWhole() {
        struct UNKCounter: TokenCounter {
            // WordPiece's rule: a word over 100 characters is a single [UNK].
            func tokenCount(_ text: String) -> Int {
                text.split(whereSeparator: { $0.isWhitespace }).reduce(0) { $0 + ($1.count > 100 ? 1 : ($1.count + 3) / 4) }
            }
        }
        let run = String(repeating: "a", count: 200_000)
        let d = doc([(.paragraph, "Before. " + run + " after.")])
        let chunker = Chunker(config: config, counter: UNKCounter())
        let chunks = chunker.chunk(d)
        #expect(chunks.count > 1)
        #expect(chunks.allSatisfy { $0.text.unicodeScalars.count <= chunker.maxCharacters })
        #expect(chunks.reduce(0) { $0 + $1.text.filter { $0 == "a" }.count } >= 200_000)
        #expect(chunks.last?.text.hasSuffix("after.") == true)
    }
}
