/// The query log (answers the server gave) and user feedback on them.
import RAGCore
import Foundation

public struct FeedbackRecord: Sendable, Codable, Equatable {
    public var id: Int64
    public var answerId: String
    public var rating: Int
    public var comment: String
    public var createdAt: Double
    /// The question and answer the feedback is about (from the query log).
    public var question: String
    public var answer: String
}

extension IndexStore {
    /// Records an answer so feedback can refer to it (a repeated id — a cached answer — keeps its first record).
    public func logAnswer(id: String, question: String, answer: String, shortAnswer: String? = nil, sourcesJSON: String) throws {
        try db.transaction {
            try db.prepare("INSERT OR IGNORE INTO query_log(answer_id, question, answer, sources, created_at) VALUES (?, ?, ?, ?, ?)")
                .run([.text(id), .text(question), .text(answer), .text(sourcesJSON), .double(Date().timeIntervalSince1970)])
            if let shortAnswer {
                try db.prepare("INSERT OR IGNORE INTO query_log_short(answer_id, short_answer) VALUES (?, ?)").run([.text(id), .text(shortAnswer)])
            }
        }
    }

    public func hasLoggedAnswer(id: String) throws -> Bool {
        try db.scalarInt("SELECT count(*) FROM query_log WHERE answer_id = ?", [.text(id)]) ?? 0 > 0
    }

    /// Stores feedback on a logged answer; returns the stored record.
    public func addFeedback(answerID: String, rating: Int, comment: String) throws -> FeedbackRecord {
        guard (-1...1).contains(rating) else {
            throw RAGError(.invalidRating, "rating: must be -1, 0 or 1, got \(rating)")
        }
        let id: Int64 = try db.transaction {
            guard try hasLoggedAnswer(id: answerID) else {
                throw RAGError(.answerNotFound, "answer_id: no answer \(answerID) in \(path)")
            }
            try db.prepare("INSERT INTO feedback(answer_id, rating, comment, created_at) VALUES (?, ?, ?, ?)")
                .run([.text(answerID), .int(Int64(rating)), .text(comment), .double(Date().timeIntervalSince1970)])
            return db.lastInsertRowID
        }
        return try feedback(limit: 1, id: id).first!
    }

    /// Feedback, newest first, with the question and answer it is about.
    public func feedback(limit: Int = 100, id: Int64? = nil) throws -> [FeedbackRecord] {
        let stmt = try db.prepare("""
            SELECT f.id, f.answer_id, f.rating, f.comment, f.created_at, q.question, q.answer
            FROM feedback f JOIN query_log q ON q.answer_id = f.answer_id
            WHERE ?1 IS NULL OR f.id = ?1
            ORDER BY f.id DESC LIMIT ?2
            """)
        try stmt.bind([id.map { .int($0) } ?? .null, .int(Int64(limit))])
        var out: [FeedbackRecord] = []
        while try stmt.step() {
            out.append(FeedbackRecord(id: stmt.int(0), answerId: stmt.text(1), rating: Int(stmt.int(2)), comment: stmt.text(3),
                                      createdAt: stmt.double(4), question: stmt.text(5), answer: stmt.text(6)))
        }
        return out
    }
}
