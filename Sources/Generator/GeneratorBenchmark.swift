/// Prefill and decode speed of the local engine, measured like llama-bench (-p N -n M): random prompt tokens,
/// greedy decode that never stops early.
import Foundation
import RAGCore

public struct GeneratorBenchmarkResult: Sendable {
    public var threads: Int
    public var promptTokens: Int
    public var genTokens: Int
    public var prefillTokensPerSecond: Double
    public var decodeTokensPerSecond: Double
    public var timeToFirstTokenSeconds: Double
    /// Decode steps run with each thread count (index = threads − 1), when adaptive.
    public var decodeStepsByThreads: [Int]
    /// CPU seconds (all threads) spent in prefill and in decode: with load on the machine, wall time says little.
    public var prefillCPUSeconds: Double
    public var decodeCPUSeconds: Double
}

/// CPU time of the whole process (user + system), in seconds.
func processCPUSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

extension LocalGenerator {
    /// Runs a short warm-up (faults the mapped weights in), then `repeats` measured runs; returns the median run
    /// (by decode speed) with prefill speed and TTFT also taken as medians.
    public func benchmark(promptTokens: Int, genTokens: Int, repeats: Int, seed: UInt64 = 42) throws -> GeneratorBenchmarkResult {
        _ = try benchmark(promptTokens: min(32, promptTokens), genTokens: min(4, genTokens), seed: seed)
        var runs: [GeneratorBenchmarkResult] = []
        for i in 0..<max(1, repeats) { runs.append(try benchmark(promptTokens: promptTokens, genTokens: genTokens, seed: seed &+ UInt64(i))) }
        func median(_ xs: [Double]) -> Double { let s = xs.sorted(); return s[s.count / 2] }
        var r = runs.sorted { $0.decodeTokensPerSecond < $1.decodeTokensPerSecond }[runs.count / 2]
        r.prefillTokensPerSecond = median(runs.map(\.prefillTokensPerSecond))
        r.timeToFirstTokenSeconds = median(runs.map(\.timeToFirstTokenSeconds))
        return r
    }

    public func benchmark(promptTokens: Int, genTokens: Int, seed: UInt64 = 42) throws -> GeneratorBenchmarkResult {
        guard promptTokens > 0 else { throw RAGError.invalidParameter("prompt_tokens", "must be ≥ 1") }
        guard genTokens > 0 else { throw RAGError.invalidParameter("gen_tokens", "must be ≥ 1") }
        guard promptTokens + genTokens <= contextLength else {
            throw RAGError.invalidParameter("gen_tokens", "prompt + generated tokens exceed the context \(contextLength)")
        }
        var rng = SplitMix64(seed: seed)
        let vocab = model.config.vocabSize
        let prompt = (0..<promptTokens).map { _ in Int32(100 + Int(rng.next() % UInt64(vocab - 100))) }
        let state = model.makeState(contextLength: promptTokens + genTokens)
        let maxThreads = fixedThreads ?? model.maxThreads
        var policy = ThreadCountPolicy(maxThreads: maxThreads)
        func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
        let c0 = processCPUSeconds()
        let t0 = now()
        try model.forward(prompt, state: state, threads: maxThreads)
        var next = Sampler.argmax(state.logits, vocab)
        let tPrefill = Double(now() - t0) / 1e9
        var steps = Array(repeating: 0, count: maxThreads)
        let c1 = processCPUSeconds()
        let tDecode = now()
        for _ in 0..<genTokens {
            let threads = fixedThreads ?? policy.next()
            let ts = now()
            try model.forward([next], state: state, threads: threads)
            if fixedThreads == nil { policy.record(threads: threads, seconds: Double(now() - ts) / 1e9) }
            steps[threads - 1] += 1
            next = Sampler.argmax(state.logits, vocab)
        }
        let decodeSeconds = Double(now() - tDecode) / 1e9
        let c2 = processCPUSeconds()
        return GeneratorBenchmarkResult(threads: maxThreads, promptTokens: promptTokens, genTokens: genTokens,
                                        prefillTokensPerSecond: Double(promptTokens) / tPrefill,
                                        decodeTokensPerSecond: Double(genTokens) / decodeSeconds,
                                        timeToFirstTokenSeconds: tPrefill, decodeStepsByThreads: steps,
                                        prefillCPUSeconds: c1 - c0, decodeCPUSeconds: c2 - c1)
    }
}

/// How a running stream fares while another request's long prompt is read (chunked prefill between its steps).
public struct StreamGapResult: Sendable {
    public var promptTokens: Int
    /// Median time between two text deltas of the running stream before the prompt arrived.
    public var baselineGapSeconds: Double
    /// Longest time between two text deltas of the running stream while the prompt was read.
    public var worstGapSeconds: Double
    /// Deltas of the running stream while the prompt was read.
    public var deltasDuringPrefill: Int
    /// The new request's time to its first token.
    public var timeToFirstTokenSeconds: Double
}

extension LocalGenerator {
    /// Starts a long greedy answer, and once it streams sends a prompt of about `promptTokens` tokens; reports the
    /// longest gap between two of the answer's text deltas until the new prompt's first token.
    public func streamGapBenchmark(promptTokens: Int = 1000) throws -> StreamGapResult {
        let sentence = "The okapi lives in the dense rain forests of central Africa and eats leaves. "
        var long = sentence
        while self.promptTokens(.text(long)).count < promptTokens { long += sentence }
        let n = self.promptTokens(.text(long)).count
        guard n < contextLength else { throw RAGError.invalidParameter("prompt_tokens", "\(n) tokens exceed the context \(contextLength)") }
        final class Times: @unchecked Sendable {  // guarded by lock
            let lock = NSLock()
            var t: [UInt64] = []
            func add() { lock.withLock { t.append(DispatchTime.now().uptimeNanoseconds) } }
            var all: [UInt64] { lock.withLock { t } }
        }
        let times = Times()
        let stop = SetOnceFlag()
        let running = DispatchSemaphore(value: 0)
        let request = GenerationRequest(prompt: .chat([ChatMessage(role: "user", content: "Write a long essay about the history of Rome, century by century.")]),
                                        parameters: try GenerationParameters(maxTokens: max(64, contextLength - 200), contextLength: contextLength))
        let finished = SetOnceFlag()
        Thread.detachNewThread { [self] in
            _ = try? run(request, cancelled: stop) { _ in times.add() }
            finished.set()
            running.signal()
        }
        while times.all.count < 16 && !finished.isSet { usleep(2_000) }
        let t0 = DispatchTime.now().uptimeNanoseconds
        let s = try run(GenerationRequest(prompt: .text(long), parameters: try GenerationParameters(maxTokens: 1))) { _ in }
        let t1 = DispatchTime.now().uptimeNanoseconds
        stop.set()
        running.wait()
        let all = times.all
        let before = zip(all, all.dropFirst()).filter { $0.1 <= t0 }.map { Double($0.1 - $0.0) / 1e9 }.sorted()
        let during = zip(all, all.dropFirst()).filter { $0.1 > t0 && $0.0 < t1 }.map { Double($0.1 - $0.0) / 1e9 }
        return StreamGapResult(promptTokens: n, baselineGapSeconds: before.isEmpty ? 0 : before[before.count / 2],
                               worstGapSeconds: during.max() ?? Double(t1 - t0) / 1e9, deltasDuringPrefill: during.count,
                               timeToFirstTokenSeconds: s.timings.timeToFirstTokenSeconds)
    }
}

extension LocalGenerator {
    /// Aggregate decode speed of `batch` sequences decoded together (`forwardDecodeBatch`), each after its own
    /// random prompt of `promptTokens`, `genTokens` greedy steps; tokens per second over all sequences.
    public func batchDecodeBenchmark(batch: Int, promptTokens: Int, genTokens: Int, seed: UInt64 = 42) throws -> (tokensPerSecond: Double, cpuSeconds: Double) {
        guard batch >= 1 else { throw RAGError.invalidParameter("batch", "must be ≥ 1") }
        let context = promptTokens + genTokens + 1
        var rng = SplitMix64(seed: seed)
        let vocab = model.config.vocabSize
        let threads = fixedThreads ?? model.maxThreads
        let states = (0..<batch).map { _ in model.makeState(contextLength: context) }
        var next: [Int32] = []
        for s in states {
            let prompt = (0..<promptTokens).map { _ in Int32(100 + Int(rng.next() % UInt64(vocab - 100))) }
            try model.forward(prompt, state: s, threads: threads)
            next.append(Sampler.argmax(s.logits, vocab))
        }
        let scratch = model.makeState(contextLength: context, chunk: batch)
        let logits = UnsafeMutablePointer<Float>.allocate(capacity: batch * vocab)
        defer { logits.deallocate() }
        let c0 = processCPUSeconds()
        let t0 = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<genTokens {
            try model.forwardDecodeBatch(next, states: states, scratch: scratch, logits: logits, threads: threads)
            next = states.map { Sampler.argmax($0.logits, vocab) }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        return (Double(batch * genTokens) / seconds, processCPUSeconds() - c0)
    }
}
