/// `rag search`: ranked chunks for a query, with highlighted snippets.
import ArgumentParser
import Foundation
import Store

enum SearchMode: String, ExpressibleByArgument, CaseIterable, Codable {
    case dense, keyword, hybrid
}

struct SearchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "search", abstract: "Search the index.")

    @OptionGroup var indexOptions: IndexOptions
    @Option(help: "Retrieval mode: keyword (FTS5 bm25).") var mode: SearchMode = .keyword
    @Option(name: .short, help: "How many results.") var k: Int = 10
    @Flag(help: "Print one JSON object.") var json = false
    @Argument(help: "The query.") var query: String

    func validate() throws {
        guard k >= 1 && k <= 1000 else { throw ValidationError("-k must be between 1 and 1000, got \(k)") }
        guard !query.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw ValidationError("the query is empty") }
        guard mode == .keyword else { throw ValidationError("--mode \(mode.rawValue) needs the vector index, which this build does not have yet; use --mode keyword") }
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
        let store = try IndexStore(path: indexOptions.path, readOnly: true)
        let highlight = json ? ("[", "]") : (standardOutputIsTerminal ? ("\u{1B}[1;33m", "\u{1B}[0m") : ("[", "]"))
        let hits = try store.keywordSearch(query, k: k, highlight: highlight)
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
