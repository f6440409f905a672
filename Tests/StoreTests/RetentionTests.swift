/// The query log, feedback and answer cache stay within their limits; prepared statements stay bounded.
import Foundation
import RAGCore
@testable import Store
import Testing

@Suite struct RetentionTests {
    func log(_ store: IndexStore, _ n: Int) throws {
        for i in 0..<n { try store.logAnswer(id: "a\(i)", question: "q\(i)", answer: "x", sourcesJSON: "[]") }
    }

    @Test func rowLimitsKeepTheNewestAndSpareLogsThatFeedbackNames() throws {
        let store = try IndexStore(path: temporaryIndexPath())
        try log(store, 50)
        // Oldest answer gets feedback: it must survive the trim of the log.
        _ = try store.addFeedback(answerID: "a0", rating: 1, comment: "good")
        var r = Retention()
        r.queryLogRows = 10
        let removed = try store.applyRetention(r)
        #expect(removed.queryLog == 39)
        #expect(try store.db.scalarInt("SELECT count(*) FROM query_log") == 11)
        #expect(try store.hasLoggedAnswer(id: "a0") && store.hasLoggedAnswer(id: "a49") && !store.hasLoggedAnswer(id: "a1"))
        #expect(try store.feedback().count == 1)
    }

    @Test func ageLimitsRemoveOldRows() throws {
        let store = try IndexStore(path: temporaryIndexPath())
        try log(store, 5)
        _ = try store.addFeedback(answerID: "a1", rating: -1, comment: "")
        var r = Retention()
        r.feedbackDays = 7
        // Forty days on, every unreferenced log row is past 30 days and the feedback past 7.
        let removed = try store.applyRetention(r, now: Date().addingTimeInterval(40 * 86_400))
        #expect(removed.feedback == 1)
        #expect(removed.queryLog == 5)
        #expect(try store.db.scalarInt("SELECT count(*) FROM query_log") == 0)
    }

    @Test func theAnswerCacheIsCappedOldestFirst() throws {
        let store = try IndexStore(path: temporaryIndexPath())
        for i in 0..<30 {
            try store.db.prepare("INSERT INTO answer_cache(key, generation, answer, created_at) VALUES (?, 0, x'00', ?)")
                .run([.text("k\(i)"), .double(Double(i))])
        }
        var r = Retention()
        r.answerCacheRows = 8
        #expect(try store.applyRetention(r).answerCache == 22)
        #expect(try store.db.scalarText("SELECT min(key) FROM answer_cache WHERE created_at >= 22") == "k22")
        #expect(try store.db.scalarInt("SELECT count(*) FROM answer_cache") == 8)
    }

    /// SQL that varies with its input (one variant per filter shape) no longer keeps a statement per variant.
    @Test func preparedStatementsStayBounded() throws {
        let store = try IndexStore(path: temporaryIndexPath())
        for i in 0..<500 {
            let stmt = try store.db.prepare("SELECT \(i) + count(*) FROM chunks")
            #expect(try stmt.step())
        }
        #expect(store.db.cachedStatementCount <= Database.statementCacheCapacity)
        // Statements still in use by their caller keep working after they were evicted.
        let held = try store.db.prepare("SELECT 41 + 1")
        for i in 0..<200 { _ = try store.db.prepare("SELECT \(i)") }
        #expect(try held.step() && held.int(0) == 42)
    }
}
