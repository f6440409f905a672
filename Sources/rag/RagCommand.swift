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
        discussion: exitCodes,
        version: VersionText.text,
        subcommands: [
            IngestCommand.self,
            SearchCommand.self,
            StatsCommand.self,
            MCPCommand.self,
            EvalCommand.self,
            EvalQACommand.self,
            TuneCommand.self,
            IndexCommand.self,
            TokenizeCommand.self,
            EmbedCommand.self,
            GenerateCommand.self,
            AskCommand.self,
            ServeCommand.self,
            FeedbackCommand.self,
            ConfigCommand.self,
            BenchCommand.self,
        ]
    )

    /// The exit statuses, as `RAGError.Code.exitCode` assigns them; shown by `rag --help`.
    static let exitCodes = """
        Exit codes:
          0  success
          1  the work failed, or some inputs failed (ingest, eval); internal errors
          2  invalid input: a flag or value out of range, an unreadable or malformed input file
          3  not found: the index, a file, a model file or a template
          4  a model or index that cannot be used: missing or corrupt files, no vectors, another encoder
          5  busy, timed out, or a generation or encoder backend failed
        """

    /// Picks OpenBLAS's fastest kernels first (this may re-execute the process), then runs the command.
    /// A `RAGError` exits with its code's `exitCode` (see `exitCodes`); a usage error with 2 (ArgumentParser's
    /// default for usage errors is 64; scripts here expect 2).
    static func main() async {
        BLASRuntime.selectFastestKernelsOrReexec()
        do {
            var command = try parseAsRoot()
            try CLISettings.prepare(command)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as RAGError {
            printError("rag: error: \(error.message)")
            Foundation.exit(error.code.exitCode)
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
