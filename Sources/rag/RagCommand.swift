/// The `rag` command line: one root command and its subcommands. Parsing and printing only; the work is in the libraries.
import ArgumentParser

@main
struct RagCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rag",
        abstract: "Local retrieval-augmented generation: ingest documents, search them, ask questions about them.",
        subcommands: [
            TokenizeCommand.self,
            GenerateCommand.self,
            BenchCommand.self,
        ]
    )
}
