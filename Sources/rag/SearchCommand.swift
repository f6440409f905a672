/// `rag search`: ranked chunks for a query (dense, keyword or hybrid), with highlighted snippets.
import RAGCore
import ArgumentParser
import Foundation
import Encoder
import Retrieval
import Settings
import Store

typealias SearchMode = RetrievalMode

struct SearchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search", abstract: "Search the index.",
        discussion: "Filters (repeatable, ANDed across keys, ORed within one): path:GLOB, format:NAME, heading:TEXT, after:YYYY-MM-DD, before:YYYY-MM-DD.")

    @OptionGroup var indexOptions: IndexOptions
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var encoderOptions: EncoderOptions
    @OptionGroup var configOptions: ConfigOptions
    @OptionGroup var queryEncoding: QueryEncodingOptions
    @Option(name: .customLong("mode"), help: settingHelp(Setting.mode)) var modeFlag: SearchMode?
    @Option(name: .customShort("k"), help: settingHelp(Setting.k, "How many results.", default: "\(Setting.searchDefaultK)")) var kFlag: Int?
    @Option(name: .customLong("index-type"), help: settingHelp(Setting.indexType)) var indexTypeFlag: VectorIndexType?
    @Option(name: .customLong("nprobe"), help: settingHelp(Setting.nprobe, "IVF lists to probe per query.")) var nprobeFlag: Int?
    @Option(name: .customLong("fusion"), help: settingHelp(Setting.fusion)) var fusionFlag: FusionChoice?
    @Option(name: .customLong("dense-weight"), help: settingHelp(Setting.denseWeight)) var denseWeightFlag: Double?
    @Option(help: "Only chunks matching this condition (repeatable): path:GLOB, format:NAME, heading:TEXT, after:DATE, before:DATE.") var filter: [String] = []
    @Flag(help: "Print one JSON object.") var json = false
    @Argument(help: "The query.") var query: String

    enum FusionChoice: String, ExpressibleByArgument { case rrf, weighted }

    var mode: SearchMode { CLISettings.choice(Setting.mode, modeFlag) }
    var k: Int { CLISettings.int(Setting.k, kFlag, commandDefault: Setting.searchDefaultK) }
    var indexType: VectorIndexType { CLISettings.choice(Setting.indexType, indexTypeFlag) }
    var nprobe: Int? { CLISettings.current.int(Setting.nprobe, flag: nprobeFlag) }
    var fusion: FusionChoice { CLISettings.choice(Setting.fusion, fusionFlag) }
    var denseWeight: Double { CLISettings.double(Setting.denseWeight, denseWeightFlag) }

    func validate() throws {
        guard !query.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw ValidationError("the query is empty") }
    }

    struct Output: Encodable {
        var query: String
        var mode: String
        var results: [Result]
        /// Present when --nprobe was given but the planner searched a flat or int8 index (or no vectors at all).
        var nprobeNotUsed: String?
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

    /// The flags as one validated value (bad values exit with status 2 before any file is opened).
    func searchParameters() throws -> SearchParameters {
        try SearchParameters(mode: mode, k: k, filter: try ChunkFilter(parsing: filter), indexType: indexType, nprobe: nprobe,
                             fusion: fusion == .rrf ? .default : .weighted(dense: denseWeight, keyword: 1 - denseWeight))
    }

    func run() async throws {
        let parameters = try searchParameters()
        if ShardLayout.isSharded(indexOptions.path) { return try runSharded(parameters) }
        let store = try IndexStore(path: indexOptions.path, readOnly: true)
        // Hybrid uses what the index has: an index ingested with --no-embed is searched by keywords alone.
        let mode = try parameters.mode.available(in: store)
        let p = parameters.with(mode: mode)
        let retriever = try RetrieverLoader(modelOptions: modelOptions, encoderOptions: encoderOptions, queryEncoding: queryEncoding.encoding).retriever(store: store, mode: mode, options: RetrievalOptions())
        let hits = try retriever.search(query, p, highlight: highlight)
        try show(hits, mode: mode, nprobeNotUsed: try retriever.nprobeNotUsed(p))
    }

    var highlight: (String, String) { json ? ("[", "]") : (standardOutputIsTerminal ? ("\u{1B}[1;33m", "\u{1B}[0m") : ("[", "]")) }

    /// Every shard searched concurrently with one query vector; the per-shard results merged.
    func runSharded(_ parameters: SearchParameters) throws {
        // Query maps are fitted per index file; a sharded index has none (`rag index adapt|distill` take one file).
        if queryEncoding.queryEncoder == .distilled {
            throw ValidationError("--query-encoder distilled is not available for a sharded index (\(indexOptions.path))")
        }
        let (retriever, mode) = try ShardedRetriever.open(at: indexOptions.path, mode: parameters.mode, options: RetrievalOptions()) {
            try encoderOptions.embedder(modelsDirectory: modelOptions.directory, indexModel: $0)
        }
        let p = parameters.with(mode: mode)
        let hits = try retriever.search(query, p, highlight: highlight)
        try show(hits, mode: mode, nprobeNotUsed: try retriever.shards.first?.nprobeNotUsed(p))
    }

    func show(_ hits: [SearchHit], mode: SearchMode, nprobeNotUsed: String?) throws {
        if json {
            try printJSON(Output(query: query, mode: mode.rawValue, results: hits.map {
                .init(rank: $0.rank, score: $0.score, path: $0.path, heading_path: $0.headingPath, text: $0.text,
                      snippet: $0.snippet, chunk_id: $0.chunkID)
            }, nprobeNotUsed: nprobeNotUsed))
            return
        }
        if let nprobeNotUsed { printError("rag: note: \(nprobeNotUsed)") }
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

extension SearchCommand: SettingsCommand {
    var settingsIndexPath: String? { indexOptions.path }
    func validateSettings() throws {
        try validate()
        try encoderOptions.validate()
    }
}
