/// The `rag` command line: one root command and its subcommands. Parsing and printing only; the work is in the libraries.
import ArgumentParser
import Kernels

@main
struct RagCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rag",
        abstract: "Local retrieval-augmented generation: ingest documents, search them, ask questions about them.",
        subcommands: [
            TokenizeCommand.self,
            EmbedCommand.self,
            BenchCommand.self,
        ]
    )

    /// Picks OpenBLAS's fastest kernels first (this may re-execute the process), then runs the command.
    static func main() async {
        BLASRuntime.selectFastestKernelsOrReexec()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
