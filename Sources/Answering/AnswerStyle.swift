/// How `rag ask` answers (`--style`).
public enum AnswerStyle: String, Sendable, CaseIterable, Codable {
    /// A short answer copied verbatim from the context (the span reader's best span; `yes`/`no` for a yes/no
    /// question), then the sentence it stands on, cited. Invented text is impossible by construction.
    case short
    /// The generator's free-form answer, each sentence checked against the context (unsupported ones flagged and
    /// dropped unless kept).
    case free
    /// The best-matching sentences of the context, quoted and cited; no model but the encoder.
    case extractive
}
