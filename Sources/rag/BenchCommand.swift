/// `rag bench`: performance measurements, one JSON line each.
import ArgumentParser

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", abstract: "Measure performance.",
                                                    subcommands: [BenchGenerateCommand.self])
}
