/// `rag bench query-encoder`: single short queries through the full encoder and the index's distilled query encoder.
import Adaptation
import ArgumentParser
import Benchmarks
import Encoder
import Foundation
import RAGCore
import Store

struct BenchQueryEncoderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "query-encoder",
        abstract: "Time single-query embedding (p50, p90) with the full and the distilled query encoder, as JSON lines.")

    @OptionGroup var indexOptions: IndexOptions
    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "BEIR queries.jsonl (the first --limit queries, by id).") var queries: String
    @Option(help: "Queries to time.") var limit = 200
    @Option(help: "Timed rounds over the queries (after one warm-up round).") var repeats = 3

    func run() async throws {
        guard limit > 0, repeats > 0 else { throw ValidationError("--limit and --repeats must be positive") }
        let texts = try BEIRData.loadQueries(path: queries).sorted { $0.key < $1.key }.prefix(limit).map(\.value)
        let store = try IndexStore(path: indexOptions.path, readOnly: true)
        let encoder = try ModelLoader(directory: modelOptions.directory).encoder(precision: EncoderPrecision(modelID: try store.meta("embedding_model")))
        let distilled = try store.queryMap(.distilled).map { try DistilledQueryEncoder(encoder: encoder, stored: $0) }
        if distilled == nil { printError("rag: note: \(indexOptions.path) has no distilled query encoder; timing the full encoder only") }
        for result in try QueryEncoderBenchmark.run(full: encoder, distilled: distilled, queries: Array(texts), repeats: repeats) {
            try printJSON(result)
        }
    }
}
