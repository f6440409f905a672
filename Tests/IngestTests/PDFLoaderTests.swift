/// PDF through poppler: pages and outline as heading path, running headers and footers out, hostile PDFs reported.
@testable import Ingest
import RAGCore
import Testing

@Suite struct PDFLoaderTests {
    @Test func sentenceOnPageThreeCarriesPageAndOutlineHeading() throws {
        let result = try DocumentFixtures.load("report.pdf")
        #expect(result.format == .pdf)
        #expect(result.pages == 3)
        let doc = try #require(result.documents.first)
        #expect(doc.title == "Quarterly Field Report")
        let path = DocumentFixtures.headingPath(of: "The zebra finch population doubled in the northern valley.", in: doc)
        #expect(path == ["p. 3", "Results"])
    }

    @Test func withoutMetadataTheTitleIsTheLargestFontLine() throws {
        let doc = try #require(try DocumentFixtures.load("untitled.pdf").documents.first)
        #expect(doc.title == "Annual Lighthouse Survey")
    }

    @Test func runningHeaderAndFooterAreDroppedAndHyphenationJoined() throws {
        let doc = try #require(try DocumentFixtures.load("report.pdf").documents.first)
        let text = doc.blocks.map(\.text).joined(separator: "\n")
        #expect(!text.contains("ACME Quarterly Report"))
        #expect(!text.contains("Page 2"))
        #expect(text.contains("extraordinary in their precision"))
        #expect(!text.contains("extra- ordinary"))
    }

    @Test func outlineHeadingsFollowTheirPages() throws {
        let doc = try #require(try DocumentFixtures.load("report.pdf").documents.first)
        let headings = doc.blocks.filter { if case .heading = $0.kind { true } else { false } }.map(\.text)
        #expect(headings == ["p. 1", "Introduction", "p. 2", "Methods", "p. 3", "Results"])
    }

    @Test(arguments: [("encrypted.pdf", RAGError.Code.encrypted), ("scanned.pdf", .noTextLayer), ("truncated.pdf", .parseError)])
    func hostilePDFIsReportedWithItsReason(name: String, kind: RAGError.Code) throws {
        let error = try #require(throws: RAGError.self) { try DocumentFixtures.load(name) }
        #expect(error.code == kind)
        #expect(error.message.contains(name))
    }

    @Test func garbageNamedPDFIsAParseError() throws {
        let error = try #require(throws: RAGError.self) {
            try DocumentLoading.load(path: "junk.pdf", bytes: Array("%PDF-1.4 this is not really a pdf".utf8))
        }
        #expect(error.code == .parseError)
    }

    @Test func paragraphsJoinHyphenatedLineEndsOnlyBeforeLowerCase() {
        #expect(PDFLoader.paragraphs(["a well-", "known fact and a long line here"]) == ["a wellknown fact and a long line here"])
        #expect(PDFLoader.paragraphs(["the Franco-", "German border is a long line"]) == ["the Franco- German border is a long line"])
    }

    @Test func leaderDotsAreShortened() {
        #expect(PDFLoader.droppingLeaders("12.3 Footnotes . . . . . . . . . . 50") == "12.3 Footnotes … 50")
        #expect(PDFLoader.droppingLeaders("Intro........42") == "Intro … 42")
        #expect(PDFLoader.droppingLeaders("See p. 3. Then stop...") == "See p. 3. Then stop...")
    }

    @Test func runningLinesNeedMostPages() {
        let pages = [["Header", "one", "Page 1"], ["Header", "two", "Page 2"], ["Header", "three", "Page 3"], ["four"]]
        #expect(PDFLoader.droppingRunningLines(pages) == [["one"], ["two"], ["three"], ["four"]])
        #expect(PDFLoader.droppingRunningLines([["A", "x"], ["A", "y"]]) == [["A", "x"], ["A", "y"]])
    }
}
