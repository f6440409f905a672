/// Markdown loader: block structure, front matter, inline stripping, source ranges.
import Foundation
import RAGCore
import Testing
@testable import Ingest

@Suite struct MarkdownLoaderTests {
    @Test func parsesHeadingsParagraphsListsCodeQuotesAndTables() throws {
        let result = try Fixtures.load("guide.md")
        #expect(result.format == .markdown)
        let doc = result.documents[0]
        #expect(doc.title == "The rag Guide")
        #expect(doc.outline == [
            "h1:Getting started",
            "p:Welcome to rag, a local service. It reads snake_case files and the docs logo.",
            "h2:Setext Heading",
            "li:first item",
            "li:second item continues here",
            "li:nested item",
            "li:numbered",
            "li:other",
            "code:let x = 1   // kept\n  indented",
            "code:tilde fence",
            "code:indented code\nblock",
            "p:quoted line one quoted line two",
            "tr:Name | Size",
            "tr:rag | 12 MB",
            "tr:a|b | 1",
            "p:Final paragraph with a_literal and html and https://x.org.",
            "h1:Main Title",
        ])
    }

    @Test func rangesPointAtTheSourceText() throws {
        let source = String(decoding: try Fixtures.bytes("guide.md"), as: UTF8.self)
        let scalars = Array(source.unicodeScalars)
        let doc = try Fixtures.load("guide.md").documents[0]
        func slice(_ r: Range<Int>) -> String {
            var v = String.UnicodeScalarView(); v.append(contentsOf: scalars[r]); return String(v)
        }
        #expect(slice(doc.blocks[0].range) == "Getting *started*")
        #expect(slice(doc.blocks[2].range) == "Setext Heading")
        #expect(slice(doc.blocks[4].range) == "second *item*\n  continues here")
        #expect(slice(doc.blocks[8].range) == "let x = 1   // kept\n  indented")
        #expect(slice(doc.blocks[13].range) == "| rag  | 12 MB |")
        for block in doc.blocks { #expect(block.range.upperBound <= scalars.count) }
    }

    @Test func titleFallsBackToFirstH1AndRangesCountScalars() throws {
        let doc = try load("intro é\n\n## Sub\n\n# Été\n", path: "a.md")
        #expect(doc.title == "Été")
        #expect(doc.blocks.map(\.range) == [0..<7, 12..<15, 19..<22])
    }

    @Test func unclosedFenceRunsToTheEnd() throws {
        let doc = try load("text\n\n```\ncode\n\n# not a heading\n", path: "a.md")
        #expect(doc.outline == ["p:text", "code:code\n\n# not a heading"])
    }

    @Test func pathologicalBracketsStayFast() throws {
        let line = String(repeating: "[", count: 20_000) + "x" + String(repeating: "](u)", count: 100) + String(repeating: "`", count: 5_000)
        let start = ContinuousClock.now
        let doc = try load(line, path: "a.md")
        #expect(doc.blocks.count == 1)
        #expect(ContinuousClock.now - start < .seconds(5))
    }
}
