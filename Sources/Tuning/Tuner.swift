/// The tuning loop: trial 0 at the defaults, then TPE proposals, each scored on the tuning part of the split only;
/// the held-back part is scored once for the defaults and once for the best trial, after the search.
import Benchmarks
import Foundation
import RAGCore

/// What a tune optimises: the mean per-query score of a point of `space` over some query (or question) ids.
public protocol TuningObjective: AnyObject {
    /// "ndcg@10" or "f1" (the JSON's `objective`).
    var name: String { get }
    var space: SearchSpace { get }
    /// The score of `settings` on each of `ids` that can be scored (higher is better), in the order of `ids`; the
    /// same ids always give the same positions, so two points' scores pair up query by query.
    func scores(_ settings: TuneSettings, ids: [String]) async throws -> [Double]
    /// The point as it is really run, where some combinations are adjusted (the search records this one).
    func canonical(_ settings: TuneSettings) -> TuneSettings
}

extension TuningObjective {
    public func canonical(_ settings: TuneSettings) -> TuneSettings { settings }

    /// The mean of `scores` (0 when no id can be scored): the objective's figure.
    public func score(_ settings: TuneSettings, ids: [String]) async throws -> Double {
        Tuner.mean(try await scores(settings, ids: ids))
    }
}

public struct TuneOptions: Sendable {
    /// Trials including trial 0 (the defaults).
    public var trials: Int = 50
    public var seed: UInt64 = 42
    /// No new trial starts after this many seconds (nil: no limit).
    public var budgetSeconds: Double?
    /// Set (by Ctrl-C) to start no new trial; the report covers the trials done.
    public var stop: SetOnceFlag?

    public init() {}
}

/// One trial's line in the report.
public struct TrialRecord: Sendable, Encodable {
    public var trial: Int
    public var settings: TuneSettings
    /// The objective on the tuning part.
    public var score: Double

    enum CodingKeys: String, CodingKey { case trial, settings, score }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(trial, forKey: .trial)
        try c.encode(settings, forKey: .settings)
        try c.encode(RoundedNumber(score, decimals: 6), forKey: .score)
    }
}

/// `rag tune`'s result (`--json` prints it as one line).
public struct TuneReport: Sendable, Encodable {
    public struct Split: Sendable, Encodable {
        public var tuning: Int
        public var heldBack: Int
        public var seed: UInt64
    }
    public struct Scores: Sendable, Encodable {
        /// The best's trial: 0 (the defaults) unless a trial's gain cleared the selection rule.
        public var trial: Int?
        public var settings: TuneSettings?
        public var tuning: Double
        public var heldBack: Double?

        enum CodingKeys: String, CodingKey { case trial, settings, tuning, heldBack }
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeIfPresent(trial, forKey: .trial)
            try c.encodeIfPresent(settings, forKey: .settings)
            try c.encode(RoundedNumber(tuning, decimals: 6), forKey: .tuning)
            try c.encode(heldBack.map { RoundedNumber($0, decimals: 6) }, forKey: .heldBack)
        }
    }

    public var objective: String
    public var split: Split
    public var trials: [TrialRecord]
    public var best: Scores
    public var defaults: Scores
    public var seconds: Double
    /// Why the search ended before its trials: "budget" or "interrupted"; nil when every trial ran.
    public var stopped: String?

    enum CodingKeys: String, CodingKey { case objective, split, trials, best, defaults, seconds, stopped }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(objective, forKey: .objective)
        try c.encode(split, forKey: .split)
        try c.encode(trials, forKey: .trials)
        try c.encode(best, forKey: .best)
        var d = defaults
        d.settings = nil
        d.trial = nil
        try c.encode(d, forKey: .defaults)
        try c.encode(RoundedNumber(seconds, decimals: 3), forKey: .seconds)
        try c.encodeIfPresent(stopped, forKey: .stopped)
    }
}

public enum Tuner {
    /// The one-sided normal quantile of the selection rule (95 %).
    public static let confidenceZ = 1.645

    /// Runs the search. `progress` gets each finished trial and the tuning score of the trial chosen so far.
    ///
    /// The search sees the tuning ids only: `searchScores` below is bound to `split.tuning` and is all the loop
    /// calls. Held-back scores are computed after the loop, for the defaults and the chosen best alone, and never
    /// feed back into the choice.
    ///
    /// The choice guards against the winner's curse (the top of 50 noisy means is biased upwards): each trial's
    /// per-query gain over the defaults on the tuning part gives a one-sided 95 % lower confidence bound
    /// (mean gain − 1.645 · standard error); the trial with the highest bound wins if that bound is above 0,
    /// else the defaults stay. So a setting is only chosen when its gain is unlikely to be noise.
    public static func run(_ objective: any TuningObjective, split: QuerySplit, options: TuneOptions,
                           progress: (TrialRecord, Double) -> Void = { _, _ in }) async throws -> TuneReport {
        let start = Date()
        let tuningIDs = split.tuning
        let searchScores: (TuneSettings) async throws -> [Double] = { try await objective.scores($0, ids: tuningIDs) }

        let space = objective.space
        var sampler = TPESampler(space: space, seed: options.seed)
        var trials: [TrialRecord] = []
        var history: [(settings: TuneSettings, score: Double)] = []
        // A point proposed twice is not scored twice (the scores are a deterministic function of the point).
        var scored: [TuneSettings: [Double]] = [:]
        var defaults: [Double] = []
        var chosen = (trial: 0, bound: 0.0)
        var stopped: String?
        for i in 0..<max(1, options.trials) {
            if i > 0 {
                if options.stop?.isSet == true { stopped = "interrupted"; break }
                if let budget = options.budgetSeconds, Date().timeIntervalSince(start) >= budget { stopped = "budget"; break }
            }
            let settings = objective.canonical(i == 0 ? space.defaults : sampler.next(history: history))
            let perQuery: [Double]
            if let known = scored[settings] {
                perQuery = known
            } else {
                perQuery = try await searchScores(settings)
                scored[settings] = perQuery
            }
            if i == 0 { defaults = perQuery }
            let score = mean(perQuery)
            history.append((settings, score))
            // Strictly better replaces, so ties keep the earlier trial.
            let bound = gainLowerBound(perQuery, over: defaults)
            if i > 0 && bound > chosen.bound { chosen = (i, bound) }
            let record = TrialRecord(trial: i, settings: settings, score: score)
            trials.append(record)
            progress(record, trials[chosen.trial].score)
        }
        let best = trials[chosen.trial]
        var defaultsHeld: Double?, bestHeld: Double?
        if !split.heldBack.isEmpty {
            defaultsHeld = try await objective.score(space.defaults, ids: split.heldBack)
            bestHeld = best.settings == space.defaults ? defaultsHeld : try await objective.score(best.settings, ids: split.heldBack)
        }
        return TuneReport(
            objective: objective.name,
            split: .init(tuning: split.tuning.count, heldBack: split.heldBack.count, seed: options.seed),
            trials: trials,
            best: .init(trial: chosen.trial, settings: best.settings, tuning: best.score, heldBack: bestHeld),
            defaults: .init(trial: nil, settings: space.defaults, tuning: trials[0].score, heldBack: defaultsHeld),
            seconds: Date().timeIntervalSince(start), stopped: stopped)
    }

    static func mean(_ xs: [Double]) -> Double {
        xs.isEmpty ? 0 : xs.reduce(0, +) / Double(xs.count)
    }

    /// The one-sided lower confidence bound of the mean per-query gain of `scores` over `base` (paired by
    /// position): mean − z · sd / √n; −∞ when they do not pair up.
    static func gainLowerBound(_ scores: [Double], over base: [Double]) -> Double {
        guard scores.count == base.count, scores.count > 1 else { return -.infinity }
        let gains = zip(scores, base).map { $0 - $1 }
        let m = mean(gains)
        let variance = gains.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(gains.count - 1)
        return m - confidenceZ * (variance / Double(gains.count)).squareRoot()
    }
}
