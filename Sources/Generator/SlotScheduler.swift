/// Continuous batching for the local generator: up to `parallel` sequences, each in its own slot (its own KV
/// cache), advanced together by one thread.
///
/// Each step of the scheduler thread: sequences that arrived take free slots (starting from the longest prompt
/// prefix any slot holds: their own slot's cache, or a copy of another slot's); cancelled sequences leave; one
/// sequence still reading its prompt computes one chunk of it (`prefillChunk` tokens while others stream, 512 when
/// none does), so running streams wait at most one chunk; then every sequence with a token to run goes through one batched decode pass over the weights
/// and samples its next token with its own sampler, stops, budget and constraint. Work that needs the model alone
/// (log-likelihoods, cache reset) runs between steps.
import Foundation
import Kernels
import RAGCore

/// Slot occupancy and throughput of the scheduler, cumulative since start (for /metrics).
public struct SlotStatistics: Sendable, Equatable {
    public var slots: Int
    /// Slots holding a running sequence now.
    public var busySlots: Int
    /// Slots whose KV cache has been allocated (at most `slots`; plus one for exclusive work, see `auxAllocated`).
    public var allocatedSlots: Int
    public var auxAllocated: Bool
    /// Sequences waiting for a free slot.
    public var queued: Int
    /// Bytes of one slot's KV cache when full (f16 keys and values for every position of the context).
    public var kvBytesPerSlot: Int
    public var decodeSteps: Int
    /// Sum over decode steps of the sequences in the step (mean batch size = decodeRows / decodeSteps).
    public var decodeRows: Int
    public var largestBatch: Int
    public var decodeSeconds: Double
    public var prefillTokens: Int
    public var prefillSeconds: Double
    /// Prompt positions copied from another slot's cache instead of computed.
    public var sharedPrefixTokens: Int
}

final class SlotScheduler: @unchecked Sendable {  // queues are guarded by `cond`; slots belong to the scheduler thread
    let model: LlamaModel
    let parallel: Int
    let contextLength: Int
    let prefillChunk: Int
    let fixedThreads: Int?
    private let cond = NSCondition()
    private var incoming: [GenerationSequence] = []
    private var jobs: [() -> Void] = []
    private var stopping = false
    private var started = false
    private var prefixCacheFlag: Bool
    // Scheduler thread only.
    private var states: [LlamaState?]
    private var running: [GenerationSequence?]
    private var admittedAt: [Int]
    private var admissions = 0
    private var aux: LlamaState?
    private var scratch: LlamaState?
    private var batchLogits: UnsafeMutablePointer<Float>?
    /// Thread counts for decode steps, one policy per batch size (a step of four rows takes longer than one of one).
    private var policies: [ThreadCountPolicy]
    // Guarded by `statsLock`.
    private let statsLock = NSLock()
    private var stats: SlotStatistics

    init(model: LlamaModel, parallel: Int, contextLength: Int, prefillChunk: Int, fixedThreads: Int?, prefixCache: Bool) {
        self.model = model
        self.parallel = parallel
        self.contextLength = contextLength
        self.prefillChunk = prefillChunk
        self.fixedThreads = fixedThreads
        prefixCacheFlag = prefixCache
        states = Array(repeating: nil, count: parallel)
        running = Array(repeating: nil, count: parallel)
        admittedAt = Array(repeating: 0, count: parallel)
        policies = Array(repeating: ThreadCountPolicy(maxThreads: fixedThreads ?? model.maxThreads), count: parallel)
        let c = model.config
        stats = SlotStatistics(slots: parallel, busySlots: 0, allocatedSlots: 0, auxAllocated: false, queued: 0,
                               kvBytesPerSlot: 2 * c.layers * contextLength * c.kvDim * MemoryLayout<UInt16>.size,
                               decodeSteps: 0, decodeRows: 0, largestBatch: 0, decodeSeconds: 0, prefillTokens: 0,
                               prefillSeconds: 0, sharedPrefixTokens: 0)
    }

    deinit { batchLogits?.deallocate() }

    var prefixCache: Bool {
        get { cond.withLock { prefixCacheFlag } }
        set { cond.withLock { prefixCacheFlag = newValue } }
    }

    var statistics: SlotStatistics {
        let q = cond.withLock { incoming.count }
        return statsLock.withLock { var s = stats; s.queued = q; return s }
    }

    /// Prompt tokens per step when no other sequence is decoding (cancellation is still checked between slices).
    static let prefillSliceAlone = 512
    /// Positions per forward chunk of a slot's state (scratch buffers are sized for it).
    static let stateChunk = 128

    func submit(_ sequence: GenerationSequence) {
        cond.withLock {
            startLocked()
            incoming.append(sequence)
            cond.signal()
        }
    }

    /// Runs `body` on the scheduler thread between steps (the model to itself) and returns its result.
    func exclusive<T>(_ body: @escaping (SlotScheduler) throws -> T) throws -> T {
        let done = DispatchSemaphore(value: 0)
        var result: Result<T, any Error>!
        cond.withLock {
            startLocked()
            jobs.append { [unowned self] in
                result = Result { try body(self) }
                done.signal()
            }
            cond.signal()
        }
        done.wait()
        return try result.get()
    }

    /// Ends the scheduler thread once the work queued so far is done.
    func stop() {
        cond.withLock { stopping = true; cond.signal() }
    }

    private func startLocked() {
        guard !started else { return }
        started = true
        let thread = Thread { [self] in loop() }
        thread.name = "rag-generator-slots"
        thread.stackSize = 8 << 20
        thread.start()
    }

    // MARK: scheduler thread

    /// A state for exclusive work, separate from the slots (its cache keeps the last exclusive prompt).
    func auxState() -> LlamaState {
        if let a = aux { return a }
        let a = model.makeState(contextLength: contextLength, chunk: Self.stateChunk)
        aux = a
        statsLock.withLock { stats.auxAllocated = true }
        return a
    }

    /// Forgets every cached prefix (a running sequence keeps its positions; they are just not reused).
    func resetCaches() {
        for (i, s) in states.enumerated() {
            if running[i] == nil { s?.truncate(to: 0) } else { s?.promptPositions = 0 }
        }
        aux?.truncate(to: 0)
    }

    var prefixCacheOnThread: Bool { cond.withLock { prefixCacheFlag } }

    private func loop() {
        while true {
            cond.lock()
            while incoming.isEmpty && jobs.isEmpty && !stopping && !running.contains(where: { $0 != nil }) { cond.wait() }
            if stopping && incoming.isEmpty && jobs.isEmpty && !running.contains(where: { $0 != nil }) {
                cond.unlock()
                return
            }
            let todo = jobs
            jobs = []
            var admitted: [GenerationSequence] = []
            var free = running.filter { $0 == nil }.count
            while free > 0 && !incoming.isEmpty { admitted.append(incoming.removeFirst()); free -= 1 }
            let share = prefixCacheFlag
            cond.unlock()
            for job in todo { job() }
            for s in admitted { admit(s, share: share) }
            step()
        }
    }

    private func commonPrefix(_ a: [Int32], _ b: [Int32], limit: Int) -> Int {
        var n = 0
        let m = min(a.count, b.count, limit)
        while n < m && a[n] == b[n] { n += 1 }
        return n
    }

    private func state(_ i: Int) -> LlamaState {
        if let s = states[i] { return s }
        let s = model.makeState(contextLength: contextLength, chunk: Self.stateChunk)
        states[i] = s
        statsLock.withLock { stats.allocatedSlots += 1 }
        return s
    }

    /// Puts `seq` in the free slot whose cache shares the longest prefix with its prompt (else an allocated free
    /// slot, else a new one), copying a longer shared prefix from another slot when one holds it.
    private func admit(_ seq: GenerationSequence, share: Bool) {
        let limit = seq.prompt.count - 1  // the last prompt token is always computed, for its logits
        var best = -1, bestCommon = -2
        for i in 0..<parallel where running[i] == nil {
            let own = share ? states[i].map { commonPrefix($0.cachedTokens, seq.prompt, limit: min(limit, $0.promptPositions)) } ?? -1
                            : (states[i] == nil ? -1 : 0)
            if own > bestCommon { best = i; bestCommon = own }
        }
        precondition(best >= 0, "admitted without a free slot")
        let st = state(best)
        var common = max(0, bestCommon)
        if !share { common = 0 }
        st.truncate(to: common)
        if share {
            var donor: LlamaState?
            var donorCommon = common
            for (j, other) in states.enumerated() where j != best {
                guard let o = other else { continue }
                let n = commonPrefix(o.cachedTokens, seq.prompt, limit: min(limit, o.promptPositions))
                if n > donorCommon { donor = o; donorCommon = n }
            }
            if let d = donor {
                st.copyPrefix(from: d, count: donorCommon)
                statsLock.withLock { stats.sharedPrefixTokens += donorCommon - common }
                common = donorCommon
            }
        }
        seq.common = common
        seq.at = common
        running[best] = seq
        admissions += 1
        admittedAt[best] = admissions
        if seq.prefillRemaining == 0 { seq.startDecoding() }
        statsLock.withLock { stats.busySlots = running.filter { $0 != nil }.count }
    }

    private func release(_ i: Int) {
        running[i] = nil
        statsLock.withLock { stats.busySlots = running.filter { $0 != nil }.count }
    }

    private func step() {
        // Cancelled sequences leave first.
        for i in 0..<parallel {
            guard let seq = running[i], seq.cancelled.isSet else { continue }
            release(i)  // before the summary goes out: whoever waits for it sees the slot free
            if seq.pending == nil && seq.completion.isEmpty {
                states[i]!.truncate(to: seq.at)
                seq.completeCancelledInPrefill()
            } else {
                seq.cancel()
                seq.complete()
            }
        }
        // One prompt chunk, for the longest-waiting sequence still reading its prompt.
        let threads = fixedThreads ?? model.maxThreads
        if let i = (0..<parallel).filter({ running[$0].map { $0.pending == nil } ?? false }).min(by: { admittedAt[$0] < admittedAt[$1] }) {
            let seq = running[i]!, st = states[i]!
            // While other sequences stream, a short chunk (their next token waits for it); alone, a long slice.
            let decoding = running.contains { $0?.pending != nil }
            let end = min(seq.prompt.count - 1, seq.at + (decoding ? prefillChunk : Self.prefillSliceAlone))
            let t = DispatchTime.now().uptimeNanoseconds
            do {
                try model.forward(Array(seq.prompt[seq.at..<end]), state: st, threads: threads, computeLogits: false, promptSlices: true)
                let dt = Double(DispatchTime.now().uptimeNanoseconds - t) / 1e9
                statsLock.withLock { stats.prefillTokens += end - seq.at; stats.prefillSeconds += dt }
                seq.at = end
                if seq.prefillRemaining == 0 { seq.startDecoding() }
            } catch {
                st.truncate(to: seq.at)
                release(i)
                seq.fail(error)
            }
        }
        // One decode step for every sequence with a token to run.
        let rows = (0..<parallel).filter { running[$0]?.pending != nil }
        guard !rows.isEmpty else { return }
        let B = rows.count
        if scratch == nil {
            scratch = model.makeState(contextLength: contextLength, chunk: parallel)
            batchLogits = .allocate(capacity: parallel * model.config.vocabSize)
        }
        let n = fixedThreads ?? policies[B - 1].next()
        let t = DispatchTime.now().uptimeNanoseconds
        do {
            try model.forwardDecodeBatch(rows.map { running[$0]!.pending! }, states: rows.map { states[$0]! },
                                         scratch: scratch!, logits: batchLogits!, threads: n)
        } catch {
            for i in rows {
                states[i]!.truncate(to: states[i]!.cachedTokens.count)
                let seq = running[i]!
                release(i)
                seq.fail(error)
            }
            return
        }
        let dt = Double(DispatchTime.now().uptimeNanoseconds - t) / 1e9
        if fixedThreads == nil { policies[B - 1].record(threads: n, seconds: dt) }
        statsLock.withLock {
            stats.decodeSteps += 1
            stats.decodeRows += B
            stats.largestBatch = max(stats.largestBatch, B)
            stats.decodeSeconds += dt
        }
        let vocab = model.config.vocabSize
        for i in rows {
            let seq = running[i]!
            if !seq.consume(logits: states[i]!.logits, vocab: vocab) {
                release(i)
                seq.complete()
            }
        }
    }
}
