/// XML loader: DocBook-style structure, and the safety cases (entity bombs, external entities, malformed input).
import Foundation
import RAGCore
import Testing
@testable import Ingest

@Suite struct XMLLoaderTests {
    @Test func sectionsAndTitlesBecomeHeadingsByDepth() throws {
        let result = try Fixtures.load("guide.xml")
        #expect(result.format == .xml)
        let doc = result.documents[0]
        #expect(doc.title == "rag Guide")
        #expect(doc.outline == [
            "h1:rag Guide",
            "p:Intro with emphasis and inline code.",
            "h2:Install",
            "p:Use here.",
            "li:First item",
            "li:Second item",
            "h3:Linux",
            "code:make   demo\n  make test",
            "tr:OS | Status",
            "tr:Debian | ok",
            "h2:Other",
            "p:Ann",
            "p:2024",
        ])
    }

    @Test func billionLaughsIsRefusedFastWithoutExpansion() throws {
        let start = ContinuousClock.now
        #expect {
            try Fixtures.load("lol.xml")
        } throws: { error in
            guard let e = error as? RAGError else { return false }
            return e.code.rawValue == "parse_error" && e.message.contains("lol.xml") && e.message.contains("entity")
        }
        #expect(ContinuousClock.now - start < .seconds(2))
    }

    @Test func billionLaughsInXHTMLIsRefusedToo() throws {
        var text = String(decoding: try Fixtures.bytes("lol.xml"), as: UTF8.self)
        text = text.replacingOccurrences(of: "<lolz>", with: "<html xmlns=\"http://www.w3.org/1999/xhtml\"><body>")
            .replacingOccurrences(of: "</lolz>", with: "</body></html>")
        #expect(throws: RAGError.self) { try DocumentLoading.load(path: "lol.xhtml", bytes: Array(text.utf8)) }
    }

    @Test(arguments: ["xml", "xhtml", "html"], [false, true])
    func externalEntityFileContentsNeverReachTheBlocks(ext: String, viaParameterEntity: Bool) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("xxe-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let secret = dir.appendingPathComponent("secret.txt")
        try "TOP-SECRET-MARKER-4711".write(to: secret, atomically: true, encoding: .utf8)
        let dtd = dir.appendingPathComponent("evil.dtd")
        try "<!ENTITY pe SYSTEM \"file://\(secret.path)\">".write(to: dtd, atomically: true, encoding: .utf8)
        let root = ext == "xml" ? "doc" : "html"
        let xmlns = ext == "xml" ? "" : " xmlns=\"http://www.w3.org/1999/xhtml\""
        let xml = """
            <?xml version="1.0"?>
            <!DOCTYPE \(root) [
              <!ENTITY xxe SYSTEM "file://\(secret.path)">
            \(viaParameterEntity ? "<!ENTITY % remote SYSTEM \"file://\(dtd.path)\"> %remote;" : "")
            ]>
            <\(root)\(xmlns)><p>before &xxe; after</p>\(viaParameterEntity ? "<p>&pe;</p>" : "")</\(root)>
            """
        let doc: Document
        do {
            doc = try DocumentLoading.load(path: dir.appendingPathComponent("x.\(ext)").path, bytes: Array(xml.utf8)).documents[0]
        } catch let error as RAGError {
            #expect(!error.message.contains("TOP-SECRET"))
            return
        }
        let all = doc.blocks.map(\.text).joined(separator: "\n") + (doc.title ?? "")
        #expect(!all.contains("TOP-SECRET"))
        if ext == "xml" && !viaParameterEntity { #expect(doc.outline == ["p:before after"]) }
    }

    @Test func malformedXMLIsAParseErrorWithFileAndLine() {
        #expect {
            try Fixtures.load("broken.xml")
        } throws: { error in
            guard let e = error as? RAGError else { return false }
            return e.code.rawValue == "parse_error" && e.line != nil && e.message.contains("broken.xml:")
        }
    }

    @Test func internalEntityExpansionIsBounded() throws {
        // 2,000 references to a 1,000-character entity would write 2 MB; the budget stops at 1 MB.
        let value = String(repeating: "x", count: 1000)
        let body = String(repeating: "&e;", count: 2000)
        let xml = "<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY e \"\(value)\">]><d><p>\(body)</p></d>"
        let doc = try DocumentLoading.load(path: "e.xml", bytes: Array(xml.utf8)).documents[0]
        let total = doc.blocks.reduce(0) { $0 + $1.text.utf8.count }
        #expect(total <= XMLTags.entityBudget + 2000)
    }
}
