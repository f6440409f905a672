/// What shapes an answer besides the question, the template and the sampling parameters: the part of the
/// answer-cache key that the CLI and the server each know about their set-up. The CLI and the server share one
/// cache file, so both build this part here; if they built it differently, each would serve the other's answers.
import Retrieval

public struct AnswerCacheKey: Sendable, Equatable {
    /// The mode the index can serve (hybrid or dense fall back to keyword on an index without vectors).
    public var mode: RetrievalMode
    /// The `--filter` / `"filter"` terms as given.
    public var filter: [String]
    /// The query encoder's model id; nil when the index has no vectors.
    public var encoderID: String?
    /// The generator's name (model file or backend model); nil for extractive answers without a generator.
    public var generatorName: String?
    public var contextLength: Int

    /// `mode` is the requested one; an index without vectors (`encoderID == nil`) is searched by keywords.
    public init(mode: RetrievalMode, filter: [String], encoderID: String?, generatorName: String?, contextLength: Int) {
        self.mode = encoderID == nil ? .keyword : mode
        self.filter = filter
        self.encoderID = encoderID
        self.generatorName = generatorName
        self.contextLength = contextLength
    }

    /// The entries `AskOptions.cacheContext` takes; the engine adds k, template, sampling and selection.
    public var context: [String: String] {
        ["mode": mode.rawValue, "filter": filter.joined(separator: "\u{1F}"), "encoder": encoderID ?? "-",
         "generator": generatorName ?? "-", "context_length": String(contextLength)]
    }
}
