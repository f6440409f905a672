/// The `rag` command line: one root command and its subcommands. Parsing and printing only; the work is in the libraries.
import ArgumentParser
import Foundation
import Kernels
import RAGCore

@main
struct RagCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rag",
        abstract: "Local retrieval-augmented generation: ingest documents, search them, ask questions about them.",
        version: VersionText.text,
        subcommands: [
            IngestCommand.self,
            SearchCommand.self,
            StatsCommand.self,
            EvalCommand.self,
            IndexCommand.self,
            TokenizeCommand.self,
            EmbedCommand.self,
            GenerateCommand.self,
            AskCommand.self,
            ServeCommand.self,
            FeedbackCommand.self,
            BenchCommand.self,
        ]
    )

    /// Picks OpenBLAS's fastest kernels first (this may re-execute the process), then runs the command.
    /// Exit codes: 0 success, 1 the work failed or some inputs failed, 2 usage error (ArgumentParser's default
    /// for usage errors is 64; scripts here expect 2).
    static func main() async {
        BLASRuntime.selectFastestKernelsOrReexec()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as RAGErrorConvertible {
            printError("rag: error: \(error.message)")
            Foundation.exit(1)
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                printError(fullMessage(for: error))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
