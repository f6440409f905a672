/// One generation in a slot of the local generator: its prompt, prefill progress, sampler, constraint, stop
/// matcher and output so far. Touched only by the scheduler thread.
import Foundation
import RAGCore
import Tokenizers

final class GenerationSequence {
    let prompt: [Int32]
    let cancelled: SetOnceFlag
    private var sampler: Sampler
    private var constraint: (any LogitsConstraint)?
    private var stops: StopSequenceMatcher
    private var decoder: BPEStreamDecoder
    private let endIDs: Set<Int32>
    // Dropped before the summary is handed over: a synchronous caller's callback must not outlive its call.
    private var onText: ((String) -> Void)?
    private var onDone: ((Result<GenerationSummary, any Error>) -> Void)?
    /// Most completion tokens (the request's maximum, bounded by the context left after the prompt).
    private let budget: Int

    /// Prompt positions taken from a cache (this slot's or another's) rather than computed.
    var common = 0
    /// Prompt positions in the slot's cache; the prompt's last token is computed by the first decode step.
    var at = 0
    /// The token the next decode step runs (the prompt's last token, then each sampled one); nil while prefilling.
    var pending: Int32?
    private(set) var completion: [Int32] = []
    private var history: [Int32]
    private var text = ""
    private var finish = FinishReason.length
    private var stoppedBySequence = false
    private let t0 = DispatchTime.now().uptimeNanoseconds
    private var promptSeconds = 0.0
    private var ttft = 0.0
    private var tGen: UInt64 = 0

    init(prompt: [Int32], parameters p: GenerationParameters, constraint: (any LogitsConstraint)?, contextLength: Int,
         endIDs: Set<Int32>, tokenizer: BPETokenizer, cancelled: SetOnceFlag,
         onText: @escaping (String) -> Void, onDone: @escaping (Result<GenerationSummary, any Error>) -> Void) {
        self.prompt = prompt
        self.cancelled = cancelled
        sampler = Sampler(p)
        self.constraint = constraint
        stops = StopSequenceMatcher(stops: p.stop)
        decoder = BPEStreamDecoder(tokenizer: tokenizer)
        self.endIDs = endIDs
        self.onText = onText
        self.onDone = onDone
        budget = min(p.maxTokens, contextLength - prompt.count)
        history = prompt
    }

    private func seconds(since t: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - t) / 1e9 }

    /// Prompt tokens still to compute before the decode steps (the last prompt token excluded).
    var prefillRemaining: Int { max(0, prompt.count - 1 - at) }

    /// Prefill is done: the prompt's last token goes through the first decode step.
    func startDecoding() { pending = prompt[prompt.count - 1] }

    /// Takes the logits of the step that ran `pending`: samples the next token. True when another decode step
    /// is wanted (`pending` set); false when the sequence is finished (call `complete`).
    func consume(logits: UnsafeMutablePointer<Float>, vocab: Int) -> Bool {
        pending = nil
        if completion.isEmpty && tGen == 0 {
            promptSeconds = seconds(since: t0)
            tGen = DispatchTime.now().uptimeNanoseconds
        }
        if cancelled.isSet { finish = .cancelled; return false }
        guard let next = sampler.sample(logits: logits, vocab: vocab, history: history, constraint: constraint) else {
            finish = .stop  // the constraint allows nothing (only when it allowed nothing from the start)
            return false
        }
        if completion.isEmpty { ttft = seconds(since: t0) }
        if endIDs.contains(next) {
            completion.append(next)
            finish = .stop
            return false
        }
        completion.append(next)
        history.append(next)
        constraint?.accept(next)
        let (emit, stopped) = stops.append(decoder.append(next))
        if !emit.isEmpty { text += emit; onText?(emit) }
        if stopped { finish = .stop; stoppedBySequence = true; return false }
        // Only the end is left: the answer is complete, no need for another forward pass.
        if let c = constraint, !c.canContinue { finish = .stop; return false }
        if completion.count >= budget { finish = .length; return false }
        pending = next
        return true
    }

    /// Cancelled while its prompt was read: reports the positions computed, no completion.
    func completeCancelledInPrefill() {
        deliver(.success(GenerationSummary(
            promptTokenIDs: prompt, completionTokenIDs: [], cachedPromptTokens: common, text: "", finishReason: .cancelled,
            timings: GenerationTimings(promptEvaluatedTokens: at - common, promptSeconds: seconds(since: t0),
                                       generationSeconds: 0, timeToFirstTokenSeconds: 0))))
    }

    /// Cancelled between decode steps.
    func cancel() { finish = .cancelled }

    func fail(_ error: any Error) { deliver(.failure(error)) }

    private func deliver(_ result: Result<GenerationSummary, any Error>) {
        let done = onDone
        onText = nil
        onDone = nil
        done?(result)
    }

    /// Flushes held-back text and reports the summary.
    func complete() {
        if !stoppedBySequence {
            // Bytes of an unfinished character and text held back as a possible stop-sequence start.
            let (emit, stopped) = stops.append(decoder.flush())
            let rest = stopped ? emit : emit + stops.flush()
            if stopped { finish = .stop }
            if !rest.isEmpty { text += rest; onText?(rest) }
        }
        let timings = GenerationTimings(promptEvaluatedTokens: prompt.count - common, promptSeconds: promptSeconds,
                                        generationSeconds: tGen == 0 ? 0 : seconds(since: tGen), timeToFirstTokenSeconds: ttft)
        deliver(.success(GenerationSummary(promptTokenIDs: prompt, completionTokenIDs: completion, cachedPromptTokens: common,
                                          text: text, finishReason: finish, timings: timings)))
    }
}
