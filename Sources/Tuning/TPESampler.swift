/// The Tree-structured Parzen Estimator (Bergstra et al., 2011) over a mixed space of choices, integers and reals:
/// the sampler `rag tune` proposes each next trial with.
///
/// Why TPE: an evaluation costs seconds to minutes (every tuning query ranked, or every question answered), so a
/// sequential model-based method that learns from each score spends a 50-trial budget better than random trials.
/// Successive halving saves work only where a partial evaluation predicts the full one, which a per-query mean
/// over a few hundred queries does poorly at small fractions. TPE needs no Gaussian-process algebra, handles
/// categorical dimensions natively, and is a page of code: no Swift package offers it, so it lives here.
///
/// Univariate TPE as hyperopt does it: the trials so far are split into the best `gamma` share (good) and the rest
/// (bad); for each dimension, `candidates` values are drawn from a Parzen density over the good trials' values and
/// the one maximising l(x) / g(x) (good density over bad density) is kept. Numeric dimensions live on [0, 1]
/// (log-scaled where the dimension says so) with Gaussian kernels and a broad prior kernel; choices use smoothed
/// counts. The first `startupTrials` (after trial 0, the defaults) are uniform random. All randomness comes from
/// one `SplitMix64`, so a seed and the same scores give the same trials.
import Foundation
import RAGCore

public struct TPESampler: Sendable {
    public let space: SearchSpace
    public var startupTrials: Int
    public var gamma: Double
    public var candidates: Int
    private var rng: SplitMix64

    public init(space: SearchSpace, seed: UInt64, startupTrials: Int = 10, gamma: Double = 0.25, candidates: Int = 24) {
        self.space = space
        self.rng = SplitMix64(seed: seed)
        self.startupTrials = max(1, startupTrials)
        self.gamma = gamma
        self.candidates = max(1, candidates)
    }

    /// A uniformly random point.
    public mutating func random() -> TuneSettings {
        TuneSettings(keys: space.dimensions.map(\.key), values: space.dimensions.map { $0.value(unit: rng.unit()) })
    }

    /// The next point to try, given every (point, score) so far (higher is better).
    public mutating func next(history: [(settings: TuneSettings, score: Double)]) -> TuneSettings {
        guard history.count >= startupTrials else { return random() }
        // Best first; ties keep trial order, so the split is deterministic.
        let order = history.indices.sorted { history[$0].score != history[$1].score ? history[$0].score > history[$1].score : $0 < $1 }
        let nGood = max(1, Int((gamma * Double(history.count)).rounded(.up)))
        let good = order.prefix(nGood).map { history[$0].settings }
        let bad = order.dropFirst(nGood).map { history[$0].settings }
        var values: [SettingValue] = []
        for (d, dim) in space.dimensions.enumerated() {
            switch dim.kind {
            case .choice(let options):
                values.append(.text(options[chooseCategory(options, good: good.map { $0.values[d] }, bad: bad.map { $0.values[d] })]))
            case .integer, .real:
                let u = chooseUnit(good: good.map { dim.unit($0.values[d]) ?? 0.5 }, bad: bad.map { dim.unit($0.values[d]) ?? 0.5 })
                values.append(dim.value(unit: u))
            }
        }
        return TuneSettings(keys: space.dimensions.map(\.key), values: values)
    }

    /// The index of the choice maximising l/g among `candidates` draws from l (counts plus one, as a prior).
    mutating func chooseCategory(_ options: [String], good: [SettingValue], bad: [SettingValue]) -> Int {
        func weights(_ seen: [SettingValue]) -> [Double] {
            let counts = options.map { o in Double(seen.filter { $0.textValue == o }.count) }
            let total = counts.reduce(0, +) + Double(options.count)
            return counts.map { ($0 + 1) / total }
        }
        let l = weights(good), g = weights(bad)
        var best = 0, bestRatio = -Double.infinity
        for _ in 0..<candidates {
            var r = rng.unit(), i = 0
            while i < l.count - 1 && r >= l[i] { r -= l[i]; i += 1 }
            let ratio = l[i] / g[i]
            if ratio > bestRatio { best = i; bestRatio = ratio }
        }
        return best
    }

    /// A unit coordinate maximising l/g among `candidates` draws from l (Gaussian kernels at the good points plus a
    /// prior kernel at 0.5 of width 1; bandwidth shrinking with the number of points).
    mutating func chooseUnit(good: [Double], bad: [Double]) -> Double {
        func bandwidth(_ n: Int) -> Double { min(0.5, max(0.04, 0.6 * pow(Double(n + 1), -0.2) / 2)) }
        func density(_ x: Double, _ points: [Double]) -> Double {
            let h = bandwidth(points.count)
            var sum = gaussian(x, mean: 0.5, sd: 1)
            for p in points { sum += gaussian(x, mean: p, sd: h) }
            return sum / Double(points.count + 1)
        }
        let h = bandwidth(good.count)
        var best = 0.5, bestRatio = -Double.infinity
        for _ in 0..<candidates {
            // Pick a kernel (the prior has the same weight as each point), then draw inside [0, 1].
            let pick = Int(rng.next() % UInt64(good.count + 1))
            let (mean, sd) = pick == good.count ? (0.5, 1.0) : (good[pick], h)
            var x = mean + sd * normal()
            var tries = 0
            while (x < 0 || x > 1) && tries < 8 { x = mean + sd * normal(); tries += 1 }
            x = min(max(x, 0), 1)
            let ratio = density(x, good) / max(density(x, bad), 1e-300)
            if ratio > bestRatio { best = x; bestRatio = ratio }
        }
        return best
    }

    func gaussian(_ x: Double, mean: Double, sd: Double) -> Double {
        let z = (x - mean) / sd
        return exp(-0.5 * z * z) / (sd * 2.5066282746310002)
    }

    /// A standard normal draw (Box–Muller).
    mutating func normal() -> Double {
        let u1 = max(rng.unit(), 1e-12), u2 = rng.unit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}
