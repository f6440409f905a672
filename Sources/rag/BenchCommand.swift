/// `rag bench`: measurements printed as one JSON line each.
import ArgumentParser

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", abstract: "Benchmarks.",
                                                    subcommands: [BenchEncoderCommand.self, BenchTokenizerCommand.self])
}
