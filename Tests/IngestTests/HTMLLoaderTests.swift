/// HTML/XHTML loader: structure kept, furniture dropped, broken markup recovered.
import Foundation
import RAGCore
import Testing
@testable import Ingest

@Suite struct HTMLLoaderTests {
    @Test func keepsHeadingsParagraphsListsTablesAndCode() throws {
        let result = try Fixtures.load("page.html")
        #expect(result.format == .html)
        let doc = result.documents[0]
        #expect(doc.title == "Install Guide")
        #expect(doc.outline == [
            "h1:Installing rag",
            "p:Run the installer and read the README.",
            "h2:On Linux",
            "li:Debian 12",
            "li:Ubuntu 24.04",
            "tr:Name | Size",
            "tr:rag | 12 MB",
            "code:make demo\n  indented   line",
            "p:Loose div text",
            "p:Section text",
            "p:Nested para",
            "p:Tail text",
        ])
    }

    @Test func dropsScriptStyleNavHeaderFooterAsideFormAndFriends() throws {
        let doc = try Fixtures.load("page.html").documents[0]
        let all = doc.blocks.map(\.text).joined(separator: "\n")
        for marker in ["SCRIPT", "HEADER", "NAV", "ROLE-NAV", "FORM", "NOSCRIPT", "ASIDE", "IFRAME", "SVG", "TEMPLATE", "FOOTER", "color: red", "¶"] {
            #expect(!all.contains(marker), "\(marker) leaked")
        }
    }

    @Test func blockRangesIndexTheExtractedTextJoinedByBlankLines() throws {
        let doc = try Fixtures.load("page.html").documents[0]
        let extracted = Array(doc.blocks.map(\.text).joined(separator: "\n\n").unicodeScalars)
        for block in doc.blocks {
            var s = String.UnicodeScalarView()
            s.append(contentsOf: extracted[block.range])
            #expect(String(s) == block.text)
        }
    }

    @Test func titleFallsBackToFirstH1() throws {
        let doc = try load("<html><body><h2>Sub</h2><h1>Main <i>title</i></h1><p>x</p></body></html>", path: "a.html")
        #expect(doc.title == "Main title")
    }

    @Test func malformedHTMLIsRecovered() throws {
        let doc = try Fixtures.load("malformed.html").documents[0]
        #expect(doc.title == "Broken & bad")
        let texts = doc.blocks.map(\.text)
        #expect(texts.contains("Second paragraph with stray close été"))
        #expect(doc.outline.contains("li:one"))
        #expect(doc.outline.contains("li:two"))
        #expect(doc.outline.contains("tr:a | b"))
        #expect(texts.contains("unterminated"))
    }

    @Test func xhtmlIsDetectedAndParsedAsXML() throws {
        let result = try Fixtures.load("doc.xhtml")
        #expect(result.format == .xhtml)
        let doc = result.documents[0]
        #expect(doc.title == "XHTML Page")
        #expect(doc.outline == ["h1:Heading", "p:After an empty div.", "code:if a < b { x() }"])
    }

    @Test func xmlExtensionWithXHTMLNamespaceIsXHTML() throws {
        let bytes = try Fixtures.bytes("doc.xhtml")
        #expect(try FormatDetector.detect(path: "x.xml", bytes: bytes) == .xhtml)
    }

    @Test func preKeepsWhitespaceAndBreaks() throws {
        let doc = try load("<pre>a  b\n\tc<br>d</pre><p>x<br>y</p>", path: "a.html")
        #expect(doc.outline == ["code:a  b\n\tc\nd", "p:x y"])
    }

    @Test func hiddenElementsAndFurnitureRolesAreDropped() throws {
        let html = """
            <body><div hidden>HIDDEN</div><p aria-hidden="true">ARIA</p><div role="search">SEARCH</div>
            <div class="body footer">FOOTER-CLASS</div><p class="note">kept</p></body>
            """
        let doc = try load(html, path: "a.html")
        #expect(doc.outline == ["p:kept"])
    }

    @Test func loaderProtocolAndRegistryAgreeWithTheEntryPoint() throws {
        let bytes = try Fixtures.bytes("page.html")
        let viaRegistry = try LoaderRegistry.standard.loader(for: .html).load(path: "page.html", bytes: bytes)
        let viaEntry = try DocumentLoading.load(path: "page.html", bytes: bytes).documents
        #expect(viaRegistry.map(\.blocks) == viaEntry.map(\.blocks))
    }

    @Test func latin1PageWithDeclaredCharsetIsDecodedAsDeclared() throws {
        let bytes = Array("<html><head><meta charset=\"iso-8859-1\"><title>Caf".utf8) + [0xE9]
            + Array("</title></head><body><p>na".utf8) + [0xEF] + Array("ve</p></body></html>".utf8)
        let doc = try DocumentLoading.load(path: "latin1.html", bytes: bytes).documents[0]
        #expect(doc.title == "Café")
        #expect(doc.outline == ["p:naïve"])
    }
}
