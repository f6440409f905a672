/// The tuning loop: trial 0 at the defaults, then TPE proposals, each scored on the tuning part of the split only;
/// the held-back part is scored once for the defaults and once for the best trial, after the search.
import Benchmarks
import Foundation
import RAGCore

/// What a tune optimises: the mean score of a point of `space` over some query (or question) ids.
public protocol TuningObjective: AnyObject {
    /// "ndcg@10" or "f1" (the JSON's `objective`).
    var name: String { get }
    var space: SearchSpace { get }
    /// The mean score of `settings` over `ids` (higher is better).
    func score(_ settings: TuneSettings, ids: [String]) async throws -> Double
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
        public var settings: TuneSettings?
        public var tuning: Double
        public var heldBack: Double?

        enum CodingKeys: String, CodingKey { case settings, tuning, heldBack }
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
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

    /// The best trial's index in `trials`.
    public var bestTrial: Int {
        trials.first { $0.settings == best.settings }?.trial ?? 0
    }

    enum CodingKeys: String, CodingKey { case objective, split, trials, best, defaults, seconds, stopped }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(objective, forKey: .objective)
        try c.encode(split, forKey: .split)
        try c.encode(trials, forKey: .trials)
        try c.encode(best, forKey: .best)
        var d = defaults
        d.settings = nil
        try c.encode(d, forKey: .defaults)
        try c.encode(RoundedNumber(seconds, decimals: 3), forKey: .seconds)
        try c.encodeIfPresent(stopped, forKey: .stopped)
    }
}

public enum Tuner {
    /// Runs the search. `progress` gets each finished trial and the best tuning score so far.
    ///
    /// The search sees the tuning ids only: `searchScore` below is bound to `split.tuning` and is all the loop
    /// calls. Held-back scores are computed after the loop, for the defaults and the chosen best alone, and never
    /// feed back into the choice.
    public static func run(_ objective: any TuningObjective, split: QuerySplit, options: TuneOptions,
                           progress: (TrialRecord, Double) -> Void = { _, _ in }) async throws -> TuneReport {
        let start = Date()
        let tuningIDs = split.tuning
        let searchScore: (TuneSettings) async throws -> Double = { try await objective.score($0, ids: tuningIDs) }

        let space = objective.space
        var sampler = TPESampler(space: space, seed: options.seed)
        var trials: [TrialRecord] = []
        var history: [(settings: TuneSettings, score: Double)] = []
        // A point proposed twice is not scored twice (the score is a deterministic function of the point).
        var scored: [TuneSettings: Double] = [:]
        var best: (settings: TuneSettings, score: Double)?
        var stopped: String?
        for i in 0..<max(1, options.trials) {
            if i > 0 {
                if options.stop?.isSet == true { stopped = "interrupted"; break }
                if let budget = options.budgetSeconds, Date().timeIntervalSince(start) >= budget { stopped = "budget"; break }
            }
            let settings = i == 0 ? space.defaults : sampler.next(history: history)
            let score: Double
            if let known = scored[settings] {
                score = known
            } else {
                score = try await searchScore(settings)
                scored[settings] = score
            }
            history.append((settings, score))
            // Strictly better replaces, so ties keep the earlier trial (the defaults win a tie).
            if best == nil || score > best!.score { best = (settings, score) }
            let record = TrialRecord(trial: i, settings: settings, score: score)
            trials.append(record)
            progress(record, best!.score)
        }
        let chosen = best!
        let defaultsTuning = trials[0].score
        var defaultsHeld: Double?, bestHeld: Double?
        if !split.heldBack.isEmpty {
            defaultsHeld = try await objective.score(space.defaults, ids: split.heldBack)
            bestHeld = chosen.settings == space.defaults ? defaultsHeld : try await objective.score(chosen.settings, ids: split.heldBack)
        }
        return TuneReport(
            objective: objective.name,
            split: .init(tuning: split.tuning.count, heldBack: split.heldBack.count, seed: options.seed),
            trials: trials,
            best: .init(settings: chosen.settings, tuning: chosen.score, heldBack: bestHeld),
            defaults: .init(settings: space.defaults, tuning: defaultsTuning, heldBack: defaultsHeld),
            seconds: Date().timeIntervalSince(start), stopped: stopped)
    }
}
