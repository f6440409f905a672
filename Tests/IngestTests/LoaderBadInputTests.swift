/// Inputs from the "bad input" list that are about size and depth rather than one format's rules.
import Foundation
import RAGCore
import Testing
@testable import Ingest

@Suite struct LoaderBadInputTests {
    static let depth = 10_000

    @Test func htmlNestedTenThousandDeepLoadsWithoutStackOverflow() throws {
        let html = "<html><body>" + String(repeating: "<div><span>", count: Self.depth) + "deep text"
            + String(repeating: "</span></div>", count: Self.depth) + "<p>after</p></body></html>"
        // SAX parsing builds no tree, so libxml2's 256-level tree limit does not apply; the extractor keeps
        // explicit stacks, never recursion.
        let doc = try DocumentLoading.load(path: "deep.html", bytes: Array(html.utf8)).documents[0]
        #expect(doc.outline == ["p:deep text", "p:after"])
    }

    @Test func htmlNestedTwoHundredDeepLoads() throws {
        let html = String(repeating: "<div>", count: 200) + "deep text" + String(repeating: "</div>", count: 200)
        let doc = try DocumentLoading.load(path: "ok.html", bytes: Array(html.utf8)).documents[0]
        #expect(doc.outline == ["p:deep text"])
    }

    @Test func xmlNestedTenThousandDeepIsACleanParseError() throws {
        let xml = "<?xml version=\"1.0\"?>" + String(repeating: "<a>", count: Self.depth) + "deep"
            + String(repeating: "</a>", count: Self.depth)
        #expect {
            try DocumentLoading.load(path: "deep.xml", bytes: Array(xml.utf8))
        } throws: { error in
            guard let e = error as? RAGError else { return false }
            return e.code.rawValue == "parse_error" && e.message.contains("deep.xml")
        }
    }

    @Test func xhtmlNestedTenThousandDeepLoads() throws {
        let xml = "<?xml version=\"1.0\"?><html xmlns=\"http://www.w3.org/1999/xhtml\"><body>"
            + String(repeating: "<div>", count: Self.depth) + "deep" + String(repeating: "</div>", count: Self.depth) + "</body></html>"
        // Too deep for the XML parser; the recovering fallbacks still produce a document without crashing.
        _ = try DocumentLoading.load(path: "deep.xhtml", bytes: Array(xml.utf8))
    }

    @Test func markdownNestedTenThousandDeepQuotesAndListsLoad() throws {
        let md = String(repeating: ">", count: Self.depth) + " quoted\n\n" + String(repeating: "  ", count: Self.depth) + "- item\n"
        let doc = try DocumentLoading.load(path: "deep.md", bytes: Array(md.utf8)).documents[0]
        #expect(!doc.blocks.isEmpty)
    }

    @Test func largeTextFileLoadsInLinearTime() throws {
        // 8 MB keeps the debug-build test quick; the same code path handles 50 MB (see the report's measurement).
        let paragraph = Array("Lorem ipsum dolor sit amet, consectetur adipiscing elit.\nSed do eiusmod tempor.\n\n".utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 << 20)
        while bytes.count < 8 << 20 { bytes += paragraph }
        let start = ContinuousClock.now
        let doc = try DocumentLoading.load(path: "big.txt", bytes: bytes).documents[0]
        #expect(doc.blocks.count == bytes.count / paragraph.count + (bytes.count % paragraph.count == 0 ? 0 : 1))
        #expect(ContinuousClock.now - start < .seconds(20))
        #expect(doc.blocks.last!.range.upperBound <= bytes.count)
    }

    @Test func hugeSingleParagraphHTMLStaysLinear() throws {
        let html = "<p>" + String(repeating: "word <b>bold</b> ", count: 200_000) + "</p>"
        let start = ContinuousClock.now
        let doc = try DocumentLoading.load(path: "big.html", bytes: Array(html.utf8)).documents[0]
        #expect(doc.blocks.count == 1)
        #expect(ContinuousClock.now - start < .seconds(20))
    }
}
