/// Token F1 of a QA set's answers under a point of the answer (and answer-retrieval) space, through the engine
/// `rag eval-qa` uses (`QAEvaluation`): the engine is built once; a trial changes only the ask options.
import Answering
import Benchmarks
import Foundation
import RAGCore
import Retrieval

public final class QAObjective: TuningObjective {
    public let name = "f1"
    public let space: SearchSpace
    let evaluation: QAEvaluation
    let base: AskOptions
    let questions: [String: QAQuestion]

    /// `base` are the options the engine was built with (the caller's defaults); `questions` must have unique ids.
    public init(evaluation: QAEvaluation, base: AskOptions, questions: [QAQuestion], dimensions: [Dimension]) {
        self.evaluation = evaluation
        self.base = base
        self.questions = Dictionary(questions.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        self.space = SearchSpace(name: "answer", dimensions: dimensions)
    }

    /// The ask options of a point: `base` with every setting the point names replaced.
    public func options(_ s: TuneSettings) throws -> AskOptions {
        var o = base
        if let style = s["style"]?.textValue { o.style = AnswerStyle(rawValue: style) }
        if let n = s["reader_passages"]?.integerValue { o.readerPassages = n }
        if let x = s["reader_rank_penalty"]?.realValue { o.readerRankPenalty = Float(x) }
        if let x = s["min_relevance"]?.realValue { o.selection.minRelevance = x }
        let mode = s["mode"]?.textValue.flatMap(RetrievalMode.init(rawValue:)) ?? o.search.mode
        var fusion = o.search.fusion
        if let f = s["fusion"]?.textValue {
            fusion = f == "weighted"
                ? .weighted(dense: s["dense_weight"]?.realValue ?? Fusion.defaultDenseWeight, keyword: 1 - (s["dense_weight"]?.realValue ?? Fusion.defaultDenseWeight))
                : .reciprocalRank(k: Double(s["rrf_k"]?.integerValue ?? Int(Fusion.rrfK)))
        }
        o.search = try SearchParameters(mode: mode, k: s["k"]?.integerValue ?? o.search.k, filter: o.search.filter,
                                        indexType: o.search.indexType, nprobe: o.search.nprobe, fusion: fusion, maxK: AskOptions.maxK)
        return o
    }

    /// Each question's token F1 in percent (best over its gold answers), as `rag eval-qa` averages them.
    public func scores(_ settings: TuneSettings, ids: [String]) async throws -> [Double] {
        let asked = ids.compactMap { questions[$0] }
        guard !asked.isEmpty else { return [] }
        return try await evaluation.run(asked, options: try options(settings)).predictions.map { $0.f1 * 100 }
    }
}
