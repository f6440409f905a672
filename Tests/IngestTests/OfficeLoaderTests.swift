/// DOCX, PPTX, XLSX, ODT and EPUB fixtures: each one's unique sentence is found under the right headings.
@testable import Ingest
import RAGCore
import Testing

@Suite struct OfficeLoaderTests {
    @Test func docxHeadingsListsAndTables() throws {
        let result = try DocumentFixtures.load("handbook.docx")
        #expect(result.format == .docx)
        #expect(result.entries > 0)
        let doc = try #require(result.documents.first)
        #expect(doc.title == "Garden Handbook")
        #expect(DocumentFixtures.headingPath(of: "Worm castings make the loam unusually dark and crumbly.", in: doc)
            == ["Soil", "Compost"])  // Title and Heading 1 are both level 1: the title names the document
        #expect(doc.outline.contains("li:Turn the heap every fortnight"))
        #expect(doc.outline.contains("tr:Rhubarb | Partial | Weekly"))
    }

    @Test func pptxSlidesTitlesAndNotes() throws {
        let doc = try #require(try DocumentFixtures.load("budget.pptx").documents.first)
        #expect(doc.title == "Harbour Budget")
        #expect(DocumentFixtures.headingPath(of: "Dredging the channel takes most of the money.", in: doc) == ["Slide 2", "Spending"])
        #expect(DocumentFixtures.headingPath(of: "Remember to mention the lighthouse restoration fund.", in: doc)
            == ["Slide 2", "Spending"])
        #expect(doc.outline.contains("p:Notes: Remember to mention the lighthouse restoration fund."))
    }

    @Test func xlsxSheetsAndSharedStrings() throws {
        let doc = try #require(try DocumentFixtures.load("stock.xlsx").documents.first)
        #expect(doc.outline.contains("tr:Copper kettle | 3 | B4"))
        #expect(DocumentFixtures.headingPath(of: "Brassworks Ltd | Sheffield", in: doc) == ["Suppliers"])
    }

    @Test func odtHeadingsByOutlineLevel() throws {
        let doc = try #require(try DocumentFixtures.load("harbour.odt").documents.first)
        #expect(doc.title == "Harbour Notes")
        #expect(DocumentFixtures.headingPath(of: "The pelican colony nests beside the old ferry ramp.", in: doc)
            == ["Harbour Notes", "Wildlife"])
    }

    @Test func epubChaptersInSpineOrder() throws {
        let doc = try #require(try DocumentFixtures.load("clocktower.epub").documents.first)
        #expect(doc.title == "The Clock Tower")
        let text = doc.blocks.map(\.text)
        let morning = try #require(text.firstIndex(of: "The town woke to fog over the square."))
        let midnight = try #require(text.firstIndex(of: "The clockmaker repaired the tower bell at midnight."))
        #expect(morning < midnight)
        #expect(DocumentFixtures.headingPath(of: "The clockmaker repaired the tower bell at midnight.", in: doc) == ["Midnight"])
    }

    @Test(arguments: [("zipbomb.docx", RAGError.Code.unsafeArchive), ("traversal.docx", .unsafeArchive),
                      ("xxe.docx", .parseError), ("encrypted.docx", .encrypted)])
    func hostileArchiveIsReportedNotFollowed(name: String, kind: RAGError.Code) throws {
        let error = try #require(throws: RAGError.self) { try DocumentFixtures.load(name) }
        #expect(error.code == kind, "\(error.message)")
        #expect(error.message.contains(name))
    }

    @Test func oleContainerIsReportedAsEncrypted() throws {
        let bytes: [UInt8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] + [UInt8](repeating: 0, count: 512)
        let error = try #require(throws: RAGError.self) { try DocumentLoading.load(path: "locked.docx", bytes: bytes) }
        #expect(error.code == .encrypted)
    }

    @Test func unsafeEntryNames() {
        for bad in ["../x", "a/../../x", "/etc/passwd", "\\windows", "C:/x", "a\\..\\b"] { #expect(SafeZipArchive.isUnsafe(bad), "\(bad)") }
        for good in ["word/document.xml", "OEBPS/ch..1.xhtml", "a/.b"] { #expect(!SafeZipArchive.isUnsafe(good), "\(good)") }
    }

    @Test func archiveLinksResolveInsideTheArchiveOnly() {
        #expect(ArchivePath.resolve("../notesSlides/notesSlide1.xml", from: "ppt/slides") == "ppt/notesSlides/notesSlide1.xml")
        #expect(ArchivePath.resolve("/xl/worksheets/sheet1.xml", from: "xl") == "xl/worksheets/sheet1.xml")
        #expect(ArchivePath.resolve("chapter%201.xhtml#top", from: "OEBPS") == "OEBPS/chapter 1.xhtml")
        #expect(ArchivePath.resolve("../../etc/passwd", from: "word") == nil)
        #expect(ArchivePath.resolve("https://example.com/x", from: "") == nil)
    }

    @Test func walkerPicksUpTheNewFormats() {
        for name in ["a.pdf", "b.docx", "c.pptx", "d.xlsx", "e.odt", "f.odp", "g.ods", "h.epub"] {
            #expect(FormatDetector.isSupported(path: name), "\(name)")
        }
    }
}
