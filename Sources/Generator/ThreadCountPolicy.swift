/// Chooses how many threads each decode step uses, from measured step times: two threads on a quiet machine, one
/// when another process has taken a core and two-thread steps (which wait for a descheduled partner) got slower.
import Foundation

struct ThreadCountPolicy {
    let maxThreads: Int
    /// Exponential moving average of seconds per step, per thread count (index = threads − 1).
    private var average: [Double?]
    private var stepsSinceProbe = 0
    private var probeInterval = 16
    private var probing: Int? = nil

    init(maxThreads: Int) {
        self.maxThreads = max(1, maxThreads)
        average = Array(repeating: nil, count: self.maxThreads)
    }

    /// Thread count for the next step.
    mutating func next() -> Int {
        if maxThreads == 1 { return 1 }
        // Try every count once, then the fastest, probing the others now and then (less often after a bad probe).
        if let untried = average.firstIndex(where: { $0 == nil }) { probing = untried + 1; return untried + 1 }
        let best = bestCount()
        stepsSinceProbe += 1
        if stepsSinceProbe >= probeInterval {
            stepsSinceProbe = 0
            let other = best == maxThreads ? 1 : maxThreads
            probing = other
            return other
        }
        probing = nil
        return best
    }

    /// Records how long a step with `threads` took.
    mutating func record(threads: Int, seconds: Double) {
        let i = threads - 1
        guard i >= 0, i < average.count else { return }
        if let a = average[i] { average[i] = 0.7 * a + 0.3 * seconds } else { average[i] = seconds }
        if let p = probing, p == threads {
            // A probe that lost: back off (up to every 256 steps); one that won: probe eagerly again.
            if threads != bestCount() { probeInterval = min(probeInterval * 2, 256) } else { probeInterval = 16 }
            probing = nil
        }
    }

    private func bestCount() -> Int {
        var best = maxThreads, bestTime = Double.infinity
        for (i, a) in average.enumerated() { if let a, a < bestTime { best = i + 1; bestTime = a } }
        return best
    }
}
