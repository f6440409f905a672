/// Yes/no questions in short answers: the generator weighs "yes" against "no" after the evidence the span reader
/// found, calibrated against the same prompt with the passage left out (SmolLM2-135M says "no" to nearly anything;
/// the calibration keeps only what the passage changes). The evidence follows as the span that decides it.
import Foundation
import RAGCore

extension AnswerEngine {
    static let yesNoSystem = "Answer the question about the passage with yes or no only."

    static func yesNoPrompt(_ question: String, passage: String) -> GenerationPrompt {
        .chat([ChatMessage(role: "system", content: yesNoSystem),
               ChatMessage(role: "user", content: "Passage: \(passage)\n\nQuestion: \(question)")])
    }

    /// `yes` or `no` for `question` from `evidence`, or nil when the generator cannot score continuations (a remote
    /// backend): the short answer is then the reader's span.
    func yesNo(_ question: String, evidence: String) throws -> String? {
        guard let scorer = generator as? any ContinuationScoring else { return nil }
        let choices = ["yes", "no"]
        let given = try scorer.continuationLogProbabilities(prompt: Self.yesNoPrompt(question, passage: evidence), continuations: choices)
        let prior = try scorer.continuationLogProbabilities(prompt: Self.yesNoPrompt(question, passage: "N/A"), continuations: choices)
        let margin = (given[0] - given[1]) - (prior[0] - prior[1])
        return margin > 0 ? "yes" : "no"
    }
}
