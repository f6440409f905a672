/// The local `GenerationBackend`: a GGUF Llama model, its tokenizer and one KV cache, generating on its own thread.
///
/// Requests run one at a time (the KV cache is one sequence). The cache keeps the last request's prompt and
/// completion, so a request that starts with the same tokens (the fixed system prompt) only computes the rest.
import Foundation
import Kernels
import RAGCore
import Tokenizers

public final class LocalGenerator: GenerationBackend, @unchecked Sendable {  // mutable state is guarded by `lock`
    public let model: LlamaModel
    public let tokenizer: BPETokenizer
    public let template: ChatMLTemplate
    public let contextLength: Int
    private let state: LlamaState
    private let lock = NSLock()
    private var policy: ThreadCountPolicy
    /// Fixed thread count, or nil to adapt per decode step.
    public let fixedThreads: Int?
    private var prefixCache: Bool
    /// Start aliases of copy-span constraints (`"Paris"` for `" Paris"`), from the tokenizer.
    public let leadingSpaceAliases: [Int32: Int32]

    /// Whether a request reuses the KV cache of the previous one for the prompt tokens they share. Off, every
    /// request computes its whole prompt (the output is the same; only the time differs).
    public var prefixCacheEnabled: Bool {
        get { lock.lock(); defer { lock.unlock() }; return prefixCache }
        set { lock.lock(); prefixCache = newValue; lock.unlock() }
    }

    /// - Parameters:
    ///   - threads: most threads per forward pass (default: the cores available).
    ///   - adaptiveThreads: measure and pick 1…threads per decode step (robust when other processes take cores).
    ///   - prefixCache: reuse the previous request's KV cache for a shared prompt prefix (see `prefixCacheEnabled`).
    public init(modelPath: String, threads: Int? = nil, contextLength: Int = 8192, adaptiveThreads: Bool = true,
                prefixCache: Bool = true) throws {
        let n = max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount)
        model = try LlamaModel(path: modelPath, threads: n)
        tokenizer = try BPETokenizer(gguf: model.weights.file)
        template = try ChatMLTemplate(gguf: model.weights.file)
        state = model.makeState(contextLength: contextLength)
        self.contextLength = state.contextLength
        policy = ThreadCountPolicy(maxThreads: n)
        fixedThreads = adaptiveThreads ? nil : n
        self.prefixCache = prefixCache
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
        let thread = Thread { [self] in
            do {
                let summary = try self.run(request, cancelled: cancelled) { continuation.yield(.text($0)) }
                continuation.yield(.finished(summary))
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        thread.stackSize = 8 << 20
        thread.start()
        return stream
    }

    /// Prompt tokens per batched forward pass during prefill (cancellation is checked between slices).
    public static let prefillSlice = 512

    /// Generates synchronously on the calling thread, handing each text delta to `onText`.
    ///
    /// Under a constraint (`constraint`, else the request's) every token is one it allows; generation stops
    /// (`.stop`) at an allowed end of generation or when nothing but the end is allowed, and stops with no tokens
    /// at all when the constraint allows nothing from the start (e.g. no block to copy from).
    public func run(_ request: GenerationRequest, constraint explicit: (any LogitsConstraint)? = nil,
                    cancelled: SetOnceFlag = SetOnceFlag(), onText: (String) -> Void) throws -> GenerationSummary {
        let p = request.parameters
        var sampler = Sampler(p)
        var constraint = explicit ?? request.constraint.map { makeConstraint($0) }
        let prompt = promptTokens(request.prompt)
        guard !prompt.isEmpty else { throw RAGError.invalidParameter("prompt", "is empty") }
        guard prompt.count < contextLength else {
            throw RAGError(.promptTooLong, "prompt: \(prompt.count) tokens do not fit the context of \(contextLength) (at least one position must remain for the answer)")
        }
        lock.lock()
        defer { lock.unlock() }
        let t0 = DispatchTime.now().uptimeNanoseconds
        func seconds(since t: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - t) / 1e9 }

        let (common, at) = try prefill(prompt, cancelled: cancelled)
        if at < prompt.count {
            return GenerationSummary(promptTokenIDs: prompt, completionTokenIDs: [], cachedPromptTokens: common, text: "",
                                     finishReason: .cancelled, timings: GenerationTimings(
                                         promptEvaluatedTokens: at - common, promptSeconds: seconds(since: t0),
                                         generationSeconds: 0, timeToFirstTokenSeconds: 0))
        }
        let promptSeconds = seconds(since: t0)

        var completion: [Int32] = []
        var history = prompt
        var decoder = BPEStreamDecoder(tokenizer: tokenizer)
        var stops = StopSequenceMatcher(stops: p.stop)
        var text = ""
        var finish = FinishReason.length
        var ttft = 0.0
        var stoppedBySequence = false
        let tGen = DispatchTime.now().uptimeNanoseconds
        let vocab = model.config.vocabSize
        let budget = min(p.maxTokens, contextLength - prompt.count)
        while true {
            if cancelled.isSet { finish = .cancelled; break }
            guard let next = sampler.sample(logits: state.logits, vocab: vocab, history: history, constraint: constraint) else {
                finish = .stop  // the constraint allows nothing (only when it allowed nothing from the start)
                break
            }
            if completion.isEmpty { ttft = seconds(since: t0) }
            if tokenizer.endOfGenerationIDs.contains(next) {
                completion.append(next)
                finish = .stop
                break
            }
            completion.append(next)
            history.append(next)
            constraint?.accept(next)
            let (emit, stopped) = stops.append(decoder.append(next))
            if !emit.isEmpty { text += emit; onText(emit) }
            if stopped { finish = .stop; stoppedBySequence = true; break }
            // Only the end is left: the answer is complete, no need for another forward pass.
            if let c = constraint, !c.canContinue { finish = .stop; break }
            if completion.count >= budget { finish = .length; break }
            let threads = fixedThreads ?? policy.next()
            let ts = DispatchTime.now().uptimeNanoseconds
            try model.forward([next], state: state, threads: threads)
            if fixedThreads == nil { policy.record(threads: threads, seconds: seconds(since: ts)) }
        }
        if !stoppedBySequence {
            // Bytes of an unfinished character and text held back as a possible stop-sequence start.
            let (emit, stopped) = stops.append(decoder.flush())
            let rest = stopped ? emit : emit + stops.flush()
            if stopped { finish = .stop }
            if !rest.isEmpty { text += rest; onText(rest) }
        }
        let timings = GenerationTimings(promptEvaluatedTokens: prompt.count - common, promptSeconds: promptSeconds,
                                        generationSeconds: seconds(since: tGen), timeToFirstTokenSeconds: ttft)
        return GenerationSummary(promptTokenIDs: prompt, completionTokenIDs: completion, cachedPromptTokens: common,
                                 text: text, finishReason: finish, timings: timings)
    }

    /// Computes `prompt` into the KV cache, its last token's logits in `state.logits`; returns the cached prefix
    /// length reused and the positions computed (less than `prompt.count` when cancelled; the cache then holds them).
    /// The caller holds `lock`.
    private func prefill(_ prompt: [Int32], cancelled: SetOnceFlag) throws -> (common: Int, at: Int) {
        // Reuse the cached prefix; at least the last prompt token is computed again, for its logits.
        var common = 0
        let cached = prefixCache ? state.cachedTokens : []
        while common < min(cached.count, prompt.count - 1) && cached[common] == prompt[common] { common += 1 }
        state.truncate(to: common)
        // The last prompt token always goes through the single-token (decode) path, whether the rest came from the
        // cache or was just computed in batch: the batched and single-token kernels round differently, and the
        // first sampled token must not depend on what the cache held (same seed, same answer, warm or cold).
        // In slices, so a request cancelled (deadline, client gone, shutdown) stops within one slice, not after a
        // 2,000-token prefill.
        var at = common
        while at < prompt.count - 1 {
            if cancelled.isSet {
                state.truncate(to: at)
                return (common, at)
            }
            let end = min(prompt.count - 1, at + Self.prefillSlice)
            try model.forward(Array(prompt[at..<end]), state: state, threads: fixedThreads ?? model.maxThreads)
            at = end
        }
        try model.forward([prompt[prompt.count - 1]], state: state, threads: fixedThreads ?? model.maxThreads)
        return (common, prompt.count)
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
        lock.lock()
        defer { lock.unlock() }
        _ = try prefill(ids, cancelled: SetOnceFlag())
        let promptLogits = Array(UnsafeBufferPointer(start: state.logits, count: vocab))
        let threads = fixedThreads ?? model.maxThreads
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
        lock.lock(); defer { lock.unlock() }
        state.truncate(to: 0)
    }
}
