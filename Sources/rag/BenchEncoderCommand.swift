/// `rag bench encoder`: embeds the first N documents of a BEIR corpus (title + " " + text) and reports throughput.
import ArgumentParser
import Benchmarks
import Encoder

struct BenchEncoderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "encoder",
        abstract: "Embed the first N documents of a corpus.jsonl and print texts/s, tokens/s and peak RSS as JSON.")

    @Option(help: "BEIR corpus.jsonl ({\"_id\",\"title\",\"text\"} per line).") var corpus: String
    @Option(help: "Documents to embed.") var limit: Int = 1000
    @Option(help: "Linear-layer precision: fp32 or int8.") var precision: EncoderPrecision = .fp32
    @Option(help: "Timed repetitions; the median is reported.") var repeats: Int = 1
    @OptionGroup var modelOptions: ModelOptions

    func run() async throws {
        guard limit > 0, repeats > 0 else { throw ValidationError("--limit and --repeats must be positive") }
        let texts = try asUsageError { try CorpusTexts.read(corpus, limit: limit) }
        let encoder = try MiniLMEncoder(directory: EncoderModel.directory(modelOptions.directory), precision: precision)
        try printJSON(try EncoderBenchmark.run(encoder, texts: texts, repeats: repeats))
    }
}
