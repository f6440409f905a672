/// `rag bench`: measurements printed as one JSON line each.
import ArgumentParser

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks that print one JSON line each.",
        subcommands: [BenchIngestCommand.self, BenchEncoderCommand.self, BenchTokenizerCommand.self,
                      BenchSearchCommand.self, BenchGenerateCommand.self, BenchAskCommand.self,
                      BenchHTTPCommand.self, BenchKernelsCommand.self, BenchQueryEncoderCommand.self]
    )
}
