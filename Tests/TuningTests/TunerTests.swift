import Benchmarks
import Encoder
import Foundation
import Ingest
import RAGCore
import Retrieval
import Store
import TestSupport
import Testing
import Tokenizers
@testable import Tuning

/// The tuning loop over the real encoder and a real index of the small BEIR set: what the search may see, what
/// the report holds, and that a seed fixes the run.
@Suite(.serialized) struct TunerTests {
    /// Every (settings, ids) the objective was asked to score, forwarded to the real objective.
    final class RecordingObjective: TuningObjective {
        let base: any TuningObjective
        var calls: [(settings: TuneSettings, ids: [String])] = []
        init(_ base: any TuningObjective) { self.base = base }
        var name: String { base.name }
        var space: SearchSpace { base.space }
        func scores(_ settings: TuneSettings, ids: [String]) async throws -> [Double] {
            calls.append((settings, ids))
            return try await base.scores(settings, ids: ids)
        }
    }

    /// The objective over an index of the small set in `dir` (the caller removes it).
    static func retrievalObjective(in dir: URL) throws -> RetrievalObjective {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let files = try TuneTestSet.write(to: dir)
        let encoder = try MiniLMEncoder(directory: Paths.encoderDirectory)
        let store = try IndexStore(path: dir.appendingPathComponent("index.sqlite").path)
        let pipeline = IngestPipeline(store: store, chunker: Chunker(counter: try WordPieceTokenizer(directory: Paths.encoderDirectory)),
                                      embedder: encoder)
        _ = try pipeline.run(paths: [files.corpus.path], options: IngestOptions())
        return try RetrievalObjective(store: store, embedder: encoder,
                                      queries: try BEIRData.loadQueries(path: files.queries.path),
                                      qrels: try BEIRData.loadQrels(path: files.qrels.path),
                                      dimensions: TuneSpaces.beirRetrieval(ivfLists: nil))
    }

    static func scratch() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("rag-tune-test-\(UUID().uuidString)")
    }

    @Test func theSearchScoresTuningQueriesOnlyAndHoldsBackOnlyDefaultsAndBest() async throws {
        let dir = Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let objective = RecordingObjective(try Self.retrievalObjective(in: dir))
        let split = QuerySplit(ids: TuneTestSet.queries.map(\.id), tuneFraction: 0.5, seed: 3)
        var options = TuneOptions()
        options.trials = 14
        options.seed = 3
        var progressed: [Int] = []
        let report = try await Tuner.run(objective, split: split, options: options) { t, _ in progressed.append(t.trial) }

        #expect(progressed == Array(0..<14))
        let heldBackCalls = objective.calls.filter { $0.ids == split.heldBack }
        let searchCalls = objective.calls.filter { $0.ids != split.heldBack }
        #expect(searchCalls.allSatisfy { $0.ids == split.tuning })
        // The held-back part is scored after the search, for the defaults and the best alone.
        let lastSearch = objective.calls.lastIndex { $0.ids == split.tuning }!
        let firstHeld = objective.calls.firstIndex { $0.ids == split.heldBack }!
        #expect(lastSearch < firstHeld)
        #expect(heldBackCalls.map(\.settings).allSatisfy { $0 == objective.space.defaults || $0 == report.best.settings })
        #expect(heldBackCalls.count == (report.best.settings == objective.space.defaults ? 1 : 2))

        #expect(report.trials[0].settings == objective.space.defaults)
        #expect(report.defaults.tuning == report.trials[0].score)
        let chosen = try #require(report.best.trial)
        #expect(report.best.settings == report.trials[chosen].settings && report.best.tuning == report.trials[chosen].score)
        #expect(chosen == 0 || report.best.tuning > report.defaults.tuning)
        #expect(report.split.tuning == 6 && report.split.heldBack == 6)
        // The held-back scores are what the objective gives on the held-back ids.
        let defaultsHeld = try await objective.base.score(objective.space.defaults, ids: split.heldBack)
        #expect(report.defaults.heldBack == defaultsHeld)
    }

    @Test func aSeedFixesTheTrialsAndScores() async throws {
        let dir = Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let objective = try Self.retrievalObjective(in: dir)
        let split = QuerySplit(ids: TuneTestSet.queries.map(\.id), tuneFraction: 0.5, seed: 9)
        var options = TuneOptions()
        options.trials = 14
        options.seed = 9
        let a = try await Tuner.run(objective, split: split, options: options)
        let b = try await Tuner.run(objective, split: split, options: options)
        #expect(a.trials.map(\.settings) == b.trials.map(\.settings))
        #expect(a.trials.map(\.score) == b.trials.map(\.score))
        options.seed = 10
        let c = try await Tuner.run(objective, split: split, options: options)
        #expect(c.trials.map(\.settings) != a.trials.map(\.settings))
    }

    @Test func chunkingTrialsCarryTheOverlapActuallyUsed() throws {
        let objective = ChunkingObjective(corpus: "unused.jsonl", counter: try WordPieceTokenizer(directory: Paths.encoderDirectory),
                                          embedder: try MiniLMEncoder(directory: Paths.encoderDirectory), queries: [:], qrels: [:],
                                          dimensions: TuneSpaces.chunking, scratch: FileManager.default.temporaryDirectory)
        let asked = TuneSettings(keys: ["chunk_tokens", "chunk_overlap"], values: [.integer(59), .integer(40)])
        let run = objective.canonical(asked)
        #expect(run["chunk_overlap"] == .integer(28))
        #expect(throws: Never.self) { try ChunkingObjective.chunkerConfig(run) }
        #expect(objective.canonical(objective.space.defaults) == objective.space.defaults)
    }

    @Test func aGainWithinTheNoiseIsNotAGain() {
        let base = [0.5, 0.5, 0.5, 0.5, 0.5, 0.5]
        // A higher mean made of large gains and losses: its lower bound is below 0.
        #expect(Tuner.gainLowerBound([1, 0, 1, 0, 1, 0.2], over: base) < 0)
        // Small but steady gains clear it.
        #expect(Tuner.gainLowerBound([0.6, 0.62, 0.58, 0.61, 0.6, 0.59], over: base) > 0)
        #expect(Tuner.gainLowerBound([0.6], over: base) == -.infinity)
    }

    @Test func aSetStopFlagEndsTheSearchAfterTrialZero() async throws {
        let dir = Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let objective = try Self.retrievalObjective(in: dir)
        var options = TuneOptions()
        options.trials = 10
        options.stop = SetOnceFlag()
        options.stop!.set()
        let report = try await Tuner.run(objective, split: QuerySplit(ids: TuneTestSet.queries.map(\.id), tuneFraction: 0.5, seed: 1),
                                         options: options)
        #expect(report.trials.count == 1 && report.stopped == "interrupted")
        #expect(report.best.heldBack != nil)
    }
}
