/// A small pool of persistent threads that run one job together, meeting at barriers that spin briefly and then block.
///
/// Why not spin-only (as ggml does): when another process takes a core, a spinning waiter burns the time slice
/// the descheduled worker needs, and every barrier waits a whole scheduler slice. Here a waiter spins for up to
/// 200,000 checks (on the order of 0.1 ms: the common case on a quiet machine, where the partner is a few µs
/// behind) and then sleeps on a condition variable, so a busy machine costs a wake-up, not a collapse;
/// `ThreadCountPolicy` additionally drops to one thread when two are measured to be slower. With 20,000 checks
/// two-thread decode often slept and woke at barriers (a fifth of its CPU in the kernel's scheduler):
/// 122–202 tok/s against 250–268 with 200,000 (`rag bench generate --threads 2 --fixed-threads`, cpu family 26),
/// while with a busy core the adaptive decode stayed at 150–156 tok/s with either.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// What a job body sees: its index, how many run the job, and a barrier among them.
public struct WorkerContext: @unchecked Sendable {
    public let index: Int
    public let count: Int
    let pool: WorkerPool

    /// Waits until every participant of this job has arrived.
    public func barrier() { if count > 1 { pool.barrier(count: count) } }

    /// This participant's share of `0..<n`, contiguous, sizes differing by at most one.
    public func share(_ n: Int) -> Range<Int> { share(n, unit: 1) }

    /// This participant's share of `0..<n`, cut on multiples of `unit`.
    public func share(_ n: Int, unit: Int) -> Range<Int> {
        let units = (n + unit - 1) / unit
        let lo = units * index / count * unit, hi = units * (index + 1) / count * unit
        return min(lo, n)..<min(hi, n)
    }
}

public final class WorkerPool: @unchecked Sendable {  // shared state is atomics plus a mutex-guarded condition
    public let maxThreads: Int
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let cond: UnsafeMutablePointer<pthread_cond_t>
    private let jobEpoch = Atomic<Int>(0)
    private let jobWorkers = Atomic<Int>(0)
    private let finished = Atomic<Int>(0)
    private let arrived = Atomic<Int>(0)
    private let barrierEpoch = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    private var job: ((WorkerContext) -> Void)?  // written by the caller before jobEpoch is bumped
    private var workerThreads: [pthread_t] = []
    private let spinLimit: Int
    /// Serialises callers of `run`: one job at a time uses the workers.
    private let runLock: UnsafeMutablePointer<pthread_mutex_t>

    public init(threads: Int, spinIterations: Int = 200_000) {
        maxThreads = max(1, threads)
        spinLimit = spinIterations
        mutex = .allocate(capacity: 1)
        runLock = .allocate(capacity: 1)
        pthread_mutex_init(runLock, nil)
        cond = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(cond, nil)
        for i in 1..<maxThreads {
            let box = Unmanaged.passRetained(WorkerStart(pool: self, index: i))
            var tid = pthread_t()
            let rc = pthread_create(&tid, nil, { arg in
                let start = Unmanaged<WorkerStart>.fromOpaque(arg!).takeRetainedValue()
                start.pool.workerLoop(index: start.index)
                return nil
            }, box.toOpaque())
            if rc == 0 { workerThreads.append(tid) } else { box.release() }
        }
    }

    deinit {
        stopping.store(true, ordering: .sequentiallyConsistent)
        jobEpoch.add(1, ordering: .sequentiallyConsistent)
        pthread_mutex_lock(mutex); pthread_cond_broadcast(cond); pthread_mutex_unlock(mutex)
        for t in workerThreads { pthread_join(t, nil) }
        pthread_cond_destroy(cond); pthread_mutex_destroy(mutex)
        pthread_mutex_destroy(runLock)
        cond.deallocate(); mutex.deallocate(); runLock.deallocate()
    }

    /// Runs `body` on `threads` participants (the caller is participant 0) and returns when all are done.
    public func run(threads requested: Int, _ body: @escaping (WorkerContext) -> Void) {
        pthread_mutex_lock(runLock)
        defer { pthread_mutex_unlock(runLock) }
        let n = min(max(1, requested), workerThreads.count + 1)
        if n == 1 { body(WorkerContext(index: 0, count: 1, pool: self)); return }
        job = body
        jobWorkers.store(n, ordering: .sequentiallyConsistent)
        finished.store(0, ordering: .sequentiallyConsistent)
        jobEpoch.add(1, ordering: .sequentiallyConsistent)
        wakeSleepers()
        body(WorkerContext(index: 0, count: n, pool: self))
        wait { self.finished.load(ordering: .acquiring) == n - 1 }
        job = nil
    }

    private func workerLoop(index: Int) {
        var seen = 0
        while true {
            wait { self.jobEpoch.load(ordering: .acquiring) != seen }
            seen = jobEpoch.load(ordering: .acquiring)
            if stopping.load(ordering: .acquiring) { return }
            let n = jobWorkers.load(ordering: .acquiring)
            if index < n, let body = job {
                body(WorkerContext(index: index, count: n, pool: self))
                finished.add(1, ordering: .sequentiallyConsistent)
                wakeSleepers()
            }
        }
    }

    func barrier(count: Int) {
        let epoch = barrierEpoch.load(ordering: .acquiring)
        if arrived.add(1, ordering: .sequentiallyConsistent).newValue == count {
            arrived.store(0, ordering: .relaxed)
            barrierEpoch.add(1, ordering: .sequentiallyConsistent)
            wakeSleepers()
        } else {
            wait { self.barrierEpoch.load(ordering: .acquiring) != epoch }
        }
    }

    /// Spins up to `spinLimit` checks, then sleeps on the condition until `ready()`.
    private func wait(_ ready: () -> Bool) {
        var i = 0
        while i < spinLimit {
            if ready() { return }
            i += 1
        }
        pthread_mutex_lock(mutex)
        sleepers.add(1, ordering: .sequentiallyConsistent)
        while !ready() { pthread_cond_wait(cond, mutex) }
        sleepers.subtract(1, ordering: .sequentiallyConsistent)
        pthread_mutex_unlock(mutex)
    }

    private func wakeSleepers() {
        if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
            pthread_mutex_lock(mutex)
            pthread_cond_broadcast(cond)
            pthread_mutex_unlock(mutex)
        }
    }
}

private final class WorkerStart {
    let pool: WorkerPool
    let index: Int
    init(pool: WorkerPool, index: Int) { self.pool = pool; self.index = index }
}
