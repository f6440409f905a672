/// `rag bench tokenizer`: WordPiece token counting throughput over a corpus (the chunker's hot path during ingest).
import ArgumentParser
import Benchmarks
import Tokenizers

struct BenchTokenizerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tokenizer",
        abstract: "Count WordPiece tokens of every document of a corpus.jsonl and print MB/s as JSON.")

    @Option(help: "BEIR corpus.jsonl.") var corpus: String
    @Option(help: "Documents to use (0: all).") var limit: Int = 0
    @Option(help: "Passes over the texts; the fastest is reported.") var repeats: Int = 3
    @Option(help: "Folder of the model folders.") var modelsDir: String = "Models"

    func run() async throws {
        let texts = try asUsageError { try CorpusTexts.read(corpus, limit: limit > 0 ? limit : Int.max) }
        let tokenizer = try WordPieceTokenizer(directory: EncoderModel.directory(modelsDir))
        try printJSON(TokenizerBenchmark.run(tokenizer, texts: texts, repeats: repeats))
    }
}
