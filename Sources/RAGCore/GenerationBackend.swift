/// The generator seam: anything that turns a prompt into streamed text (the local GGUF engine, a remote server, a fake).

/// One chat message.
public struct ChatMessage: Sendable, Equatable, Codable {
    public var role: String
    public var content: String
    public init(role: String, content: String) { self.role = role; self.content = content }
}

/// What to generate from: raw text (special tokens such as `<|im_start|>` parsed) or a conversation rendered with
/// the model's chat template.
public enum GenerationPrompt: Sendable, Equatable {
    case text(String)
    case chat([ChatMessage])
}

/// A restriction on what a completion may be, enforced token by token while sampling (the local generator only; a
/// remote backend refuses a constrained request).
public enum GenerationConstraint: Sendable, Equatable {
    /// The completion is a contiguous span of one block's tokens, at least one token long: its text is a verbatim
    /// substring of one block, never across two. Each block should appear verbatim in the prompt (its tokens are
    /// then the prompt's own). An empty completion (finish `.stop`, no tokens) means no token could be copied.
    /// `wordStarts`: the first token must be one that begins a word in the blocks (no span from inside a word).
    case copySpan(blocks: [String], wordStarts: Bool = true)
    /// The completion is exactly one of these strings (a completion cut short by `maxTokens` may be a prefix).
    case choice([String])
}

public struct GenerationRequest: Sendable, Equatable {
    public var prompt: GenerationPrompt
    public var parameters: GenerationParameters
    /// Constrained decoding (nil: any token).
    public var constraint: GenerationConstraint?
    public init(prompt: GenerationPrompt, parameters: GenerationParameters = .default, constraint: GenerationConstraint? = nil) {
        self.prompt = prompt
        self.parameters = parameters
        self.constraint = constraint
    }
}

/// Why generation ended.
public enum FinishReason: String, Sendable, Codable {
    /// An end-of-generation token or a stop sequence.
    case stop
    /// `maxTokens` reached, or the context is full.
    case length
    /// The consumer stopped listening or the task was cancelled.
    case cancelled
}

public struct GenerationTimings: Sendable, Equatable, Codable {
    /// Prompt tokens actually computed (the rest came from the cached prefix).
    public var promptEvaluatedTokens: Int
    public var promptSeconds: Double
    public var generationSeconds: Double
    /// From the request to the first completion token.
    public var timeToFirstTokenSeconds: Double
    public var promptTokensPerSecond: Double { promptSeconds > 0 ? Double(promptEvaluatedTokens) / promptSeconds : 0 }
    public init(promptEvaluatedTokens: Int, promptSeconds: Double, generationSeconds: Double, timeToFirstTokenSeconds: Double) {
        self.promptEvaluatedTokens = promptEvaluatedTokens
        self.promptSeconds = promptSeconds
        self.generationSeconds = generationSeconds
        self.timeToFirstTokenSeconds = timeToFirstTokenSeconds
    }
}

/// The closing report of one generation.
public struct GenerationSummary: Sendable, Equatable {
    public var promptTokenIDs: [Int32]
    public var completionTokenIDs: [Int32]
    /// Prompt tokens whose KV cache was reused from the previous request.
    public var cachedPromptTokens: Int
    public var text: String
    public var finishReason: FinishReason
    public var timings: GenerationTimings
    /// Token counts: the id arrays' lengths for the local generator; a remote server reports counts without ids.
    public var promptTokens: Int
    public var completionTokens: Int
    public init(promptTokenIDs: [Int32], completionTokenIDs: [Int32], cachedPromptTokens: Int, text: String,
                finishReason: FinishReason, timings: GenerationTimings) {
        self.promptTokenIDs = promptTokenIDs
        self.completionTokenIDs = completionTokenIDs
        promptTokens = promptTokenIDs.count
        completionTokens = completionTokenIDs.count
        self.cachedPromptTokens = cachedPromptTokens
        self.text = text
        self.finishReason = finishReason
        self.timings = timings
    }

    /// A summary from a backend that reports token counts but not ids (an OpenAI-compatible server).
    public init(promptTokens: Int, completionTokens: Int, cachedPromptTokens: Int, text: String,
                finishReason: FinishReason, timings: GenerationTimings) {
        self.init(promptTokenIDs: [], completionTokenIDs: [], cachedPromptTokens: cachedPromptTokens, text: text,
                  finishReason: finishReason, timings: timings)
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }
}

/// An element of a generation stream: text deltas, then one summary.
public enum GenerationEvent: Sendable, Equatable {
    case text(String)
    case finished(GenerationSummary)
}

/// Generates text. Cancelling the consuming task (or dropping the stream) stops generation.
public protocol GenerationBackend: Sendable {
    /// Tokens the backend's context holds (prompt + completion).
    var contextLength: Int { get }
    /// Streams text deltas, then `.finished`; throws validation errors (naming the field) and model errors.
    func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationEvent, any Error>
    /// The backend's own chat template applied to `messages` as raw prompt text, ending with the assistant turn
    /// opened, so a caller can send `.text(rendered + "begun answer")` and have the model continue that turn.
    /// nil (the default) when the backend does not know its model's template: send `.chat` instead.
    func renderChat(_ messages: [ChatMessage]) -> String?
}

extension GenerationBackend {
    public func renderChat(_ messages: [ChatMessage]) -> String? { nil }
}

extension GenerationBackend {
    /// Runs a request to the end and returns its summary (text concatenated).
    public func complete(_ request: GenerationRequest) async throws -> GenerationSummary {
        for try await event in generate(request) {
            if case .finished(let summary) = event { return summary }
        }
        throw RAGError(.generationIncomplete, "the generation stream ended without a summary")
    }
}

/// A backend that scores continuations of a prompt: the natural-log probability of each continuation's tokens
/// after the prompt (the local generator; a remote OpenAI-compatible server does not offer it).
public protocol ContinuationScoring: Sendable {
    func continuationLogProbabilities(prompt: GenerationPrompt, continuations: [String]) throws -> [Double]
}
