/// POST /v1/feedback: a rating (and optional comment) of an answer, by the id /v1/ask returned.
import Hummingbird
import Metrics
import Store

struct FeedbackController: RouteController {
    let state: ServiceState
    let configuration: ServerConfiguration

    static let endpoints: [Endpoint<Self>] = [
        Endpoint(.post, "/v1/feedback") { c, r in try await c.feedback(r) },
    ]

    /// The stored record as the API shows it (the question and answer it refers to stay in the index).
    struct Created: Encodable {
        var id: Int64
        var answerId: String
        var rating: Int
        var comment: String
        var createdAt: Double
    }

    func feedback(_ request: Request) async throws -> Response {
        let body = try await JSONBody.read(request, limit: configuration.maxBodyBytes, allowed: ["answer_id", "rating", "comment"])
        let s = try state.ready()
        let answerID = try body.required("answer_id") { try body.string($0, maxLength: 200, nonEmpty: true) }
        let rating = try body.required("rating") { try body.int($0, in: -1...1) }
        let comment = try body.string("comment", maxLength: 10_000) ?? ""
        let record = try await s.withSlot { slot in
            try await Services.offload { try slot.store.addFeedback(answerID: answerID, rating: rating, comment: comment) }
        }
        Counter(label: "rag_feedback_total", dimensions: [("rating", String(rating))]).increment()
        return try Reply.json(Created(id: record.id, answerId: record.answerId, rating: record.rating, comment: record.comment,
                                      createdAt: record.createdAt), status: .created)
    }
}
