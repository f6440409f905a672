/// `rag bench tokenizer`: WordPiece token counting throughput over a corpus (the chunker's hot path during ingest).
import ArgumentParser
import Foundation
import Tokenizers

struct BenchTokenizerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tokenizer",
        abstract: "Count WordPiece tokens of every document of a corpus.jsonl and print MB/s as JSON.")

    @Option(help: "BEIR corpus.jsonl.") var corpus: String
    @Option(help: "Documents to use (0: all).") var limit: Int = 0
    @Option(help: "Passes over the texts; the fastest is reported.") var repeats: Int = 3
    @Option(help: "Folder of the model folders.") var modelsDir: String = "Models"

    func run() async throws {
        let texts = try BenchEncoderCommand.readCorpus(corpus, limit: limit > 0 ? limit : Int.max)
        let tokenizer = try WordPieceTokenizer(directory: EncoderModel.directory(modelsDir))
        let bytes = texts.reduce(0) { $0 + $1.utf8.count }
        var best = Double.infinity
        var tokens = 0
        for _ in 0..<max(1, repeats) {
            let start = DispatchTime.now().uptimeNanoseconds
            tokens = texts.reduce(0) { $0 + tokenizer.tokenCount($1) }
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        print("{\"texts\":\(texts.count),\"bytes\":\(bytes),\"tokens\":\(tokens),\"seconds\":\(JSONText.number(best))"
            + ",\"mb_per_s\":\(JSONText.number(Double(bytes) / 1e6 / best))"
            + ",\"tokens_per_s\":\(JSONText.number(Double(tokens) / best))}")
    }
}
