/// `rag search`: ranked chunks for a query (dense, keyword or hybrid), with highlighted snippets.
import ArgumentParser
import Encoder
import Foundation
import Retrieval
import Store

typealias SearchMode = RetrievalMode

struct SearchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search", abstract: "Search the index.",
        discussion: "Filters (repeatable, ANDed across keys, ORed within one): path:GLOB, format:NAME, heading:TEXT, after:YYYY-MM-DD, before:YYYY-MM-DD.")

    @OptionGroup var indexOptions: IndexOptions
    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "Retrieval mode: dense, keyword (FTS5 bm25) or hybrid (reciprocal-rank fusion of both).") var mode: SearchMode = .hybrid
    @Option(name: .short, help: "How many results.") var k: Int = 10
    @Option(help: "Vector index: auto, flat, int8 or ivf.") var indexType: VectorIndexType = .auto
    @Option(help: "IVF lists to probe per query.") var nprobe: Int?
    @Option(help: "Fusion for hybrid: rrf (k = 60) or weighted.") var fusion: FusionChoice = .rrf
    @Option(help: "Dense weight of weighted fusion (keyword weight is 1 minus it).") var denseWeight: Double = Fusion.defaultDenseWeight
    @Option(help: "Only chunks matching this condition (repeatable): path:GLOB, format:NAME, heading:TEXT, after:DATE, before:DATE.") var filter: [String] = []
    @Flag(help: "Print one JSON object.") var json = false
    @Argument(help: "The query.") var query: String

    enum FusionChoice: String, ExpressibleByArgument { case rrf, weighted }

    func validate() throws {
        guard k >= 1 && k <= 1000 else { throw ValidationError("-k must be between 1 and 1000, got \(k)") }
        guard !query.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw ValidationError("the query is empty") }
        if let nprobe, nprobe < 1 { throw ValidationError("--nprobe must be at least 1, got \(nprobe)") }
        guard (0...1).contains(denseWeight) else { throw ValidationError("--dense-weight must be between 0 and 1") }
        do { _ = try ChunkFilter(parsing: filter) } catch let e as StoreError { throw ValidationError(e.message) }
    }

    struct Output: Encodable {
        var query: String
        var mode: String
        var results: [Result]
        struct Result: Encodable {
            var rank: Int
            var score: Double
            var path: String
            var heading_path: String
            var text: String
            var snippet: String
            var chunk_id: Int64
        }
    }

    func run() async throws {
        if ShardLayout.isSharded(indexOptions.path) { return try runSharded() }
        let store = try IndexStore(path: indexOptions.path, readOnly: true)
        let mode = try self.mode.available(in: store)
        let retriever = try RetrieverLoader(modelOptions: modelOptions).retriever(store: store, mode: mode, options: retrievalOptions)
        let hits = try retriever.search(query, mode: mode, k: k, filter: try ChunkFilter(parsing: filter), highlight: highlight)
        try show(hits, mode: mode)
    }

    var highlight: (String, String) { json ? ("[", "]") : (standardOutputIsTerminal ? ("\u{1B}[1;33m", "\u{1B}[0m") : ("[", "]")) }

    var retrievalOptions: RetrievalOptions {
        var options = RetrievalOptions()
        options.indexType = indexType
        options.nprobe = nprobe
        options.fusion = fusion == .rrf ? .default : .weighted(dense: denseWeight, keyword: 1 - denseWeight)
        return options
    }

    /// Every shard searched concurrently with one query vector; the per-shard results merged.
    func runSharded() throws {
        let models = try ModelLoader(directory: modelOptions.directory)
        let (retriever, mode) = try ShardedRetriever.open(at: indexOptions.path, mode: self.mode, options: retrievalOptions) {
            try models.encoder(precision: EncoderPrecision(modelID: $0))
        }
        let hits = try retriever.search(query, mode: mode, k: k, filter: try ChunkFilter(parsing: filter), highlight: highlight)
        try show(hits, mode: mode)
    }

    func show(_ hits: [SearchHit], mode: SearchMode) throws {
        if json {
            try printJSON(Output(query: query, mode: mode.rawValue, results: hits.map {
                .init(rank: $0.rank, score: $0.score, path: $0.path, heading_path: $0.headingPath, text: $0.text,
                      snippet: $0.snippet, chunk_id: $0.chunkID)
            }))
            return
        }
        if hits.isEmpty {
            print("no results for \"\(query)\" in \(indexOptions.path)")
            return
        }
        for h in hits {
            let heading = h.headingPath.isEmpty ? "" : "  \(h.headingPath)"
            print("\(h.rank). \(String(format: "%.3f", h.score))  \(h.path)\(heading)")
            print("   " + h.snippet.replacingOccurrences(of: "\n", with: " "))
        }
    }
}
