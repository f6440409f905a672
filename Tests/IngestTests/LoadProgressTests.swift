/// The progress line's pages and entries move while a long file is read: the PDF and zip readers count each page
/// and entry into the file's counter as they go.
import Foundation
@testable import Ingest
import RAGCore
import Testing

@Suite struct LoadProgressTests {
    @Test func pdfPagesAreCountedAsEachPageIsRead() throws {
        let run = LoadCounter()
        let file = LoadCounter(parent: run)
        // Nothing but the loader adds to the bound counter: a non-zero count can only come from the page loop.
        let result = try LoadCounter.$current.withValue(file) { try DocumentFixtures.load("report.pdf") }
        #expect(result.pages == 3)
        #expect(file.pages == 3 && file.entries == 0)
        #expect(run.pages == 3, "a file's counter adds up into the run's")
    }

    @Test func archiveEntriesAreCountedAsEachEntryIsRead() throws {
        for name in ["handbook.docx", "budget.pptx", "harbour.odt", "clocktower.epub"] {
            let file = LoadCounter()
            let result = try LoadCounter.$current.withValue(file) { try DocumentFixtures.load(name) }
            #expect(result.entries > 0 && file.entries == result.entries && file.pages == 0, "\(name): \(file.entries) live, \(result.entries) in all")
        }
    }

    @Test func withoutABoundCounterLoadingCountsNothingLive() throws {
        #expect(LoadCounter.current == nil)
        let result = try DocumentFixtures.load("report.pdf")
        #expect(result.pages == 3)
    }
}
