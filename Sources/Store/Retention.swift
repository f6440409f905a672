/// How long the query log, feedback and answer cache are kept: without limits they grow with every request.
import Foundation

/// Row and age limits; nil means no limit of that kind. The defaults bound a busy server's index to tens of MB.
public struct Retention: Sendable, Equatable {
    /// Answers logged by the server (feedback refers to them): newest rows kept.
    public var queryLogRows: Int? = 100_000
    /// Logged answers older than this many days go (unless feedback refers to them).
    public var queryLogDays: Double? = 30
    /// Feedback records: newest rows kept (feedback is evaluation data, so no age limit by default).
    public var feedbackRows: Int? = 100_000
    public var feedbackDays: Double? = nil
    /// Cached answers: newest rows kept.
    public var answerCacheRows: Int? = 10_000

    public init() {}

    /// What trimming removed.
    public struct Removed: Sendable, Equatable, Codable {
        public var queryLog = 0
        public var feedback = 0
        public var answerCache = 0
    }
}

extension IndexStore {
    /// Trims the query log, feedback and answer cache to `retention`, oldest first, in one transaction.
    @discardableResult
    public func applyRetention(_ retention: Retention, now: Date = Date()) throws -> Retention.Removed {
        var removed = Retention.Removed()
        let t = now.timeIntervalSince1970
        try db.transaction {
            if let days = retention.feedbackDays {
                try db.prepare("DELETE FROM feedback WHERE created_at < ?").run([.double(t - days * 86_400)])
                removed.feedback += db.changes
            }
            if let rows = retention.feedbackRows {
                try db.prepare("DELETE FROM feedback WHERE id IN (SELECT id FROM feedback ORDER BY created_at DESC, id DESC LIMIT -1 OFFSET ?)")
                    .run([.int(Int64(max(0, rows)))])
                removed.feedback += db.changes
            }
            // A logged answer that feedback still refers to stays: the feedback would be meaningless without it.
            let unreferenced = "NOT EXISTS (SELECT 1 FROM feedback f WHERE f.answer_id = query_log.answer_id)"
            if let days = retention.queryLogDays {
                try db.prepare("DELETE FROM query_log WHERE created_at < ? AND \(unreferenced)").run([.double(t - days * 86_400)])
                removed.queryLog += db.changes
            }
            if let rows = retention.queryLogRows {
                try db.prepare("""
                    DELETE FROM query_log WHERE \(unreferenced) AND answer_id IN
                    (SELECT answer_id FROM query_log ORDER BY created_at DESC LIMIT -1 OFFSET ?)
                    """).run([.int(Int64(max(0, rows)))])
                removed.queryLog += db.changes
            }
            if let rows = retention.answerCacheRows {
                try db.prepare("DELETE FROM answer_cache WHERE key IN (SELECT key FROM answer_cache ORDER BY created_at DESC LIMIT -1 OFFSET ?)")
                    .run([.int(Int64(max(0, rows)))])
                removed.answerCache += db.changes
            }
        }
        return removed
    }
}
