/// The dimensions of each `--space`, with the project's defaults as trial 0 and the `rag.toml` key and section of
/// each setting (its long CLI flag, `-` → `_`).
import Answering
import Ingest
import Retrieval
import Store

/// `--space`: which settings a tune searches.
public enum TuneSpaceName: String, Sendable, CaseIterable {
    case retrieval, answer, chunking, all
}

public enum TuneSpaces {
    static let modes = RetrievalMode.allCases.map(\.rawValue)

    /// How hybrid search fuses its two lists (`--fusion`, `--dense-weight`; the RRF constant has no flag yet).
    static let fusion: [Dimension] = [
        Dimension("fusion", section: "retrieval", .choice(["rrf", "weighted"]), default: .text("rrf")),
        Dimension("rrf_k", section: "retrieval", .integer(1...200, log: true), default: .integer(Int(Fusion.rrfK)), hasFlag: false),
        Dimension("dense_weight", section: "retrieval", .real(0.05...0.95, log: false), default: .real(Fusion.defaultDenseWeight)),
    ]

    /// Ranking documents of a BEIR set: mode, fusion, the candidates each list contributes before fusing
    /// (`RetrievalOptions.fusionDepth`, no flag yet) and, on an IVF index of `ivfLists` lists, `nprobe`.
    public static func beirRetrieval(ivfLists: Int?) -> [Dimension] {
        var dims = [Dimension("mode", section: "retrieval", .choice(modes), default: .text(RetrievalMode.hybrid.rawValue))]
        dims += fusion
        dims.append(Dimension("fusion_depth", section: "retrieval", .integer(10...1000, log: true),
                              default: .integer(RetrievalOptions().fusionDepth), hasFlag: false))
        if let ivfLists, ivfLists > 1 {
            dims.append(Dimension("nprobe", section: "retrieval", .integer(1...ivfLists, log: true),
                                  default: .integer(IVFIndex.defaultNprobe(nlist: ivfLists))))
        }
        return dims
    }

    /// Re-chunking (`rag ingest --chunk-tokens`, `--chunk-overlap`); an overlap of half the chunk or more is cut
    /// to just under half when the trial is built.
    public static let chunking: [Dimension] = [
        Dimension("chunk_tokens", section: "ingest", .integer(48...400, log: true), default: .integer(ChunkerConfig.default.maxTokens)),
        Dimension("chunk_overlap", section: "ingest", .integer(0...64, log: false), default: .integer(ChunkerConfig.default.overlapTokens)),
    ]

    /// Retrieval for answers: mode and fusion (the retriever's fusion depth is fixed when the engine is built).
    public static let qaRetrieval: [Dimension] =
        [Dimension("mode", section: "retrieval", .choice(modes), default: .text(RetrievalMode.hybrid.rawValue))] + fusion

    /// Answering without the generator: style (`short` when the span reader is there), chunks retrieved, the
    /// reader's passages and rank penalty, and the relevance floor. Free answers and the generator's weight in
    /// short answers are left out: every trial would run the generator over every question.
    public static func answer(readerAvailable: Bool) -> [Dimension] {
        let ask = AskOptions()
        var dims: [Dimension] = []
        dims.append(Dimension("style", section: "answer", .choice(readerAvailable ? ["short", "extractive"] : ["extractive"]),
                              default: .text(readerAvailable ? "short" : "extractive")))
        dims.append(Dimension("k", section: "retrieval", .integer(1...20, log: true), default: .integer(SearchParameters.ask.k)))
        if readerAvailable {
            dims.append(Dimension("reader_passages", section: "answer", .integer(1...10, log: false), default: .integer(ask.readerPassages)))
            dims.append(Dimension("reader_rank_penalty", section: "answer", .real(0...3, log: false), default: .real(Double(ask.readerRankPenalty))))
        }
        dims.append(Dimension("min_relevance", section: "retrieval", .real(0...0.5, log: false), default: .real(SelectionOptions().minRelevance)))
        return dims
    }
}
