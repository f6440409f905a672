/// The local `GenerationBackend`: a GGUF Llama model, its tokenizer and up to `parallel` sequences in slots, each
/// with its own KV cache, decoded together by one scheduler thread (see `SlotScheduler`).
///
/// A slot's cache keeps its last request's prompt, so a request that starts with the same tokens (the fixed system
/// prompt) only computes the rest; a new request takes the free slot sharing the longest prefix with it, or copies
/// that prefix's keys and values from another slot. Only positions computed as prompt are reused (decode steps
/// round differently), so an answer never depends on what the caches held.
import Foundation
import Kernels
import RAGCore
import Tokenizers

public final class LocalGenerator: GenerationBackend, @unchecked Sendable {  // mutable state lives in `scheduler`
    public let model: LlamaModel
    public let tokenizer: BPETokenizer
    public let template: ChatMLTemplate
    public let contextLength: Int
    /// Most sequences decoded together.
    public let parallel: Int
    private let scheduler: SlotScheduler
    /// Fixed thread count, or nil to adapt per decode step.
    public let fixedThreads: Int?
    /// Start aliases of copy-span constraints (`"Paris"` for `" Paris"`), from the tokenizer.
    public let leadingSpaceAliases: [Int32: Int32]

    /// Slots when none is asked for: 4 concurrent clients of `/v1/chat/completions` then share each pass over
    /// the weights (see docs/ARCHITECTURE.md for the measurements); an idle slot costs no memory.
    public static let defaultParallel = 4

    /// Whether a request reuses cached KV (its slot's or another slot's) for the prompt tokens they share. Off,
    /// every request computes its whole prompt (the output is the same; only the time differs).
    public var prefixCacheEnabled: Bool {
        get { scheduler.prefixCache }
        set { scheduler.prefixCache = newValue }
    }

    /// - Parameters:
    ///   - threads: most threads per forward pass (default: the cores available).
    ///   - adaptiveThreads: measure and pick 1…threads per single-sequence decode step (robust when other
    ///     processes take cores), measured per batch size.
    ///   - prefixCache: reuse cached KV for a shared prompt prefix (see `prefixCacheEnabled`).
    ///   - parallel: most sequences generating at once (each slot's KV cache is allocated on first use).
    public init(modelPath: String, threads: Int? = nil, contextLength: Int = 8192, adaptiveThreads: Bool = true,
                prefixCache: Bool = true, parallel: Int = LocalGenerator.defaultParallel) throws {
        guard parallel >= 1 else { throw RAGError.invalidParameter("parallel", "must be at least 1") }
        let n = max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount)
        model = try LlamaModel(path: modelPath, threads: n)
        tokenizer = try BPETokenizer(gguf: model.weights.file)
        template = try ChatMLTemplate(gguf: model.weights.file)
        self.contextLength = min(contextLength, model.config.contextLength)
        self.parallel = parallel
        fixedThreads = adaptiveThreads ? nil : n
        scheduler = SlotScheduler(model: model, parallel: parallel, contextLength: self.contextLength,
                                  prefillChunk: Self.prefillChunk, fixedThreads: fixedThreads, prefixCache: prefixCache)
        leadingSpaceAliases = CopySpanConstraint.leadingSpaceAliases(tokenizer: tokenizer)
    }

    /// A fresh constraint for one generation: the blocks or choices tokenized as `promptTokens` would hold them,
    /// end of generation being the tokenizer's end-of-generation ids.
    public func makeConstraint(_ constraint: GenerationConstraint) -> any LogitsConstraint {
        let end = tokenizer.endOfGenerationIDs.sorted()
        switch constraint {
        case .copySpan(let blocks, let wordStarts):
            let tokens = CopySpanConstraint.blockTokens(blocks, tokenizer: tokenizer)
            return CopySpanConstraint(blocks: tokens, endTokens: end, startAliases: leadingSpaceAliases,
                                      startTokens: wordStarts ? CopySpanConstraint.wordStartTokens(blocks: tokens, tokenizer: tokenizer) : nil)
        case .choice(let choices):
            return ChoiceConstraint(choices: choices, tokenizer: tokenizer, endTokens: end)
        }
    }

    /// The GGUF's ChatML template as raw prompt text, assistant turn opened (lets a caller begin the answer).
    /// Special-token strings inside the messages are escaped: only the template's own markers are control tokens.
    public func renderChat(_ messages: [ChatMessage]) -> String? { template.render(escaped(messages)) }

    /// Prompt token ids of a request (chat rendered with the template; special tokens parsed in the template's
    /// markers only, never in message text; a raw-text prompt is the caller's own and is parsed as given).
    public func promptTokens(_ prompt: GenerationPrompt) -> [Int32] {
        switch prompt {
        case .text(let t): return tokenizer.encode(t, parseSpecial: true)
        case .chat(let m): return tokenizer.encode(template.render(escaped(m)), parseSpecial: true)
        }
    }

    private func escaped(_ messages: [ChatMessage]) -> [ChatMessage] {
        messages.map { ChatMessage(role: tokenizer.escapingSpecialTokens($0.role), content: tokenizer.escapingSpecialTokens($0.content)) }
    }

    public func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream<GenerationEvent, any Error>.makeStream()
        let cancelled = SetOnceFlag()
        continuation.onTermination = { _ in cancelled.set() }
        do {
            let seq = try makeSequence(request, constraint: nil, cancelled: cancelled, onText: { continuation.yield(.text($0)) }) {
                switch $0 {
                case .success(let summary):
                    continuation.yield(.finished(summary))
                    continuation.finish()
                case .failure(let error):
                    continuation.finish(throwing: error)
                }
            }
            scheduler.submit(seq)
        } catch {
            continuation.finish(throwing: error)
        }
        return stream
    }

    /// Prompt tokens computed per scheduler step while a prompt is read and other sequences stream (between two of
    /// their decode steps: the longest they wait); 512 when none streams. Cancellation is checked between chunks.
    public static let prefillChunk = 64

    private func makeSequence(_ request: GenerationRequest, constraint explicit: (any LogitsConstraint)?, cancelled: SetOnceFlag,
                              onText: @escaping (String) -> Void,
                              onDone: @escaping (Result<GenerationSummary, any Error>) -> Void) throws -> GenerationSequence {
        let constraint = explicit ?? request.constraint.map { makeConstraint($0) }
        let prompt = promptTokens(request.prompt)
        guard !prompt.isEmpty else { throw RAGError.invalidParameter("prompt", "is empty") }
        guard prompt.count < contextLength else {
            throw RAGError(.promptTooLong, "prompt: \(prompt.count) tokens do not fit the context of \(contextLength) (at least one position must remain for the answer)")
        }
        return GenerationSequence(prompt: prompt, parameters: request.parameters, constraint: constraint, contextLength: contextLength,
                                  endIDs: tokenizer.endOfGenerationIDs, tokenizer: tokenizer, cancelled: cancelled,
                                  onText: onText, onDone: onDone)
    }

    /// Generates, handing each text delta to `onText`, and returns when the generation is done. The sequence runs
    /// in a slot of the scheduler, batched with whatever else runs; `onText` is called on the scheduler's thread.
    ///
    /// Under a constraint (`constraint`, else the request's) every token is one it allows; generation stops
    /// (`.stop`) at an allowed end of generation or when nothing but the end is allowed, and stops with no tokens
    /// at all when the constraint allows nothing from the start (e.g. no block to copy from).
    public func run(_ request: GenerationRequest, constraint explicit: (any LogitsConstraint)? = nil,
                    cancelled: SetOnceFlag = SetOnceFlag(), onText: (String) -> Void) throws -> GenerationSummary {
        try withoutActuallyEscaping(onText) { onText in
            let done = DispatchSemaphore(value: 0)
            var result: Result<GenerationSummary, any Error>!
            let seq = try makeSequence(request, constraint: explicit, cancelled: cancelled, onText: onText) {
                result = $0
                done.signal()
            }
            scheduler.submit(seq)
            done.wait()
            return try result.get()
        }
    }

    /// Computes `prompt` into `state`'s KV cache, its last token's logits in `state.logits`; returns the cached
    /// prefix length reused. Runs on the scheduler thread (exclusive work).
    private func prefill(_ prompt: [Int32], state: LlamaState, reuse: Bool) throws -> Int {
        // Reuse the cached prefix; at least the last prompt token is computed again, for its logits.
        var common = 0
        let cached = reuse ? state.cachedTokens : []
        while common < min(cached.count, prompt.count - 1, state.promptPositions) && cached[common] == prompt[common] { common += 1 }
        state.truncate(to: common)
        // The last prompt token always goes through the single-token (decode) path, whether the rest came from the
        // cache or was just computed in batch: the batched and single-token kernels round differently, and the
        // first sampled token must not depend on what the cache held (same seed, same answer, warm or cold).
        let threads = fixedThreads ?? model.maxThreads
        if common < prompt.count - 1 {
            try model.forward(Array(prompt[common..<(prompt.count - 1)]), state: state, threads: threads, promptSlices: true)
        }
        try model.forward([prompt[prompt.count - 1]], state: state, threads: threads)
        return common
    }

    /// Log-likelihood of each continuation after `prompt`: the sum and mean of its tokens' natural-log
    /// probabilities under the model (raw logits: no temperature, penalty or constraint). The prompt is computed
    /// once (reusing the cached prefix as `run` does); each continuation runs token by token through the
    /// single-token path from the prompt's cache, which is cut back to the prompt between continuations. An empty
    /// continuation scores 0. Continuation strings are tokenized alone (special-token strings as plain text).
    public func logLikelihoods(prompt: GenerationPrompt, continuations: [String]) throws -> [ContinuationScore] {
        try logLikelihoods(prompt: prompt, continuations: continuations.map { tokenizer.encode($0, parseSpecial: false, addBOS: false) })
    }

    /// `logLikelihoods` of token-id continuations.
    public func logLikelihoods(prompt: GenerationPrompt, continuations: [[Int32]]) throws -> [ContinuationScore] {
        let ids = promptTokens(prompt)
        guard !ids.isEmpty else { throw RAGError.invalidParameter("prompt", "is empty") }
        let vocab = model.config.vocabSize
        for c in continuations {
            guard ids.count + c.count <= contextLength else {
                throw RAGError(.promptTooLong, "prompt and continuation: \(ids.count + c.count) tokens do not fit the context of \(contextLength)")
            }
            for t in c where t < 0 || Int(t) >= vocab {
                throw RAGError.invalidParameter("continuation", "token id \(t) outside the vocabulary 0..<\(vocab)")
            }
        }
        let model = model, threads = fixedThreads ?? model.maxThreads
        return try scheduler.exclusive { scheduler in
            let state = scheduler.auxState()
            _ = try self.prefill(ids, state: state, reuse: scheduler.prefixCacheOnThread)
            let promptLogits = Array(UnsafeBufferPointer(start: state.logits, count: vocab))
            var scores: [ContinuationScore] = []
        for c in continuations {
            var sum = 0.0
            for (i, t) in c.enumerated() {
                if i == 0 {
                    sum += promptLogits.withUnsafeBufferPointer { Self.logProbability(of: t, logits: $0.baseAddress!, vocab: vocab) }
                } else {
                    try model.forward([c[i - 1]], state: state, threads: threads)
                    sum += Self.logProbability(of: t, logits: state.logits, vocab: vocab)
                }
            }
            state.truncate(to: ids.count)
            scores.append(ContinuationScore(logProbability: sum, tokens: c.count))
        }
        return scores
        }
    }

    /// log softmax(logits)[token], in Double.
    static func logProbability(of token: Int32, logits: UnsafePointer<Float>, vocab: Int) -> Double {
        var m = -Double.infinity
        for i in 0..<vocab { m = max(m, Double(logits[i])) }
        var sum = 0.0
        for i in 0..<vocab { sum += exp(Double(logits[i]) - m) }
        return Double(logits[Int(token)]) - m - log(sum)
    }

    /// Drops the cached KV prefix (the next request computes its whole prompt).
    public func resetCache() {
        try? scheduler.exclusive { $0.resetCaches() }
    }

    /// Slot occupancy and throughput so far.
    public var slotStatistics: SlotStatistics { scheduler.statistics }

    deinit { scheduler.stop() }
}
