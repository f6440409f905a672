/// Plain text and BEIR JSONL loaders.
import Foundation
import RAGCore
import Testing
@testable import Ingest

@Suite struct TextLoaderTests {
    @Test func splitsParagraphsOnBlankLinesWithSourceRanges() throws {
        let result = try Fixtures.load("notes.txt")
        #expect(result.format == .text)
        let doc = result.documents[0]
        #expect(doc.title == "Release notes")
        #expect(doc.outline == ["p:Release notes", "p:The first paragraph\nspans two lines.",
                                "p:Second paragraph, after a blank line with spaces.", "p:Third."])
        let source = Array(String(decoding: try Fixtures.bytes("notes.txt"), as: UTF8.self).unicodeScalars)
        for block in doc.blocks {
            var s = String.UnicodeScalarView()
            s.append(contentsOf: source[block.range])
            #expect(String(s) == block.text)
        }
    }

    @Test func rangesCountUnicodeScalarsNotBytes() throws {
        let doc = try load("héllo wörld\n\n日本語 text", path: "a.txt")
        #expect(doc.blocks.map(\.range) == [0..<11, 13..<21])
    }

    @Test func longFirstLineIsNoTitle() throws {
        let doc = try load(String(repeating: "word ", count: 40) + "\n\nbody", path: "a.txt")
        #expect(doc.title == nil)
    }
}

@Suite struct JSONLLoaderTests {
    @Test func eachLineIsOneDocumentWithItsIDAndBadLinesAreReported() throws {
        let result = try Fixtures.load("corpus.jsonl")
        #expect(result.format == .jsonl)
        #expect(result.documents.map(\.externalID) == ["d1", "d2", "42"])
        #expect(result.documents[0].path.hasSuffix("corpus.jsonl#d1"))
        #expect(result.documents[0].title == "Aspirin")
        #expect(result.documents[0].outline == ["h1:Aspirin", "p:Aspirin reduces fever.", "p:It also thins blood."])
        #expect(result.documents[0].blocks.map(\.range) == [0..<7, 9..<31, 33..<53])
        #expect(result.documents[1].title == nil)
        #expect(result.documents[1].outline == ["p:No title here."])
        #expect(result.problems.map(\.line) == [3, 5, 6])
        #expect(result.problems.allSatisfy { $0.code.rawValue == "bad_line" })
        #expect(result.problems[0].message.contains("corpus.jsonl:3"))
        #expect(result.problems[2].message.contains("duplicate _id \"d1\""))
    }

    @Test func problemsAreCappedWithASummary() throws {
        let text = String(repeating: "nope\n", count: 150) + "{\"_id\":\"a\",\"title\":\"t\",\"text\":\"x\"}\n"
        let result = try DocumentLoading.load(path: "c.jsonl", bytes: Array(text.utf8))
        #expect(result.documents.count == 1)
        #expect(result.problems.count == JSONLLoader.maxReportedProblems + 1)
        #expect(result.problems.last!.message.contains("50 more bad lines"))
    }
}

@Suite struct ConcurrentLoadingTests {
    @Test func loadersAreSafeToUseFromManyTasksAtOnce() async throws {
        let names = ["page.html", "malformed.html", "doc.xhtml", "guide.xml", "guide.md", "notes.txt", "corpus.jsonl"]
        let expected = try names.map { try Fixtures.load($0).documents.map(\.blocks) }
        try await withThrowingTaskGroup(of: (Int, [[Block]]).self) { group in
            for round in 0..<8 {
                for (i, name) in names.enumerated() {
                    group.addTask { _ = round; return (i, try Fixtures.load(name).documents.map(\.blocks)) }
                }
            }
            for try await (i, blocks) in group { #expect(blocks == expected[i]) }
        }
    }

    @Test func nullTitleOrTextCountsAsEmpty() throws {
        let line = "{\"_id\":\"n\",\"title\":null,\"text\":\"body\"}\n"
        let result = try DocumentLoading.load(path: "c.jsonl", bytes: Array(line.utf8))
        #expect(result.problems.isEmpty)
        #expect(result.documents[0].outline == ["p:body"])
    }
}
