/// Options shared by the subcommands, and the exit-code conventions (0 ok, 1 some inputs failed, 2 usage error).
import ArgumentParser
import Foundation
import RAGCore

struct IndexOptions: ParsableArguments {
    @Option(name: .long, help: "Index database (env RAG_INDEX; default Indexes/default.sqlite).")
    var index: String?

    var path: String {
        index ?? ProcessInfo.processInfo.environment["RAG_INDEX"] ?? "Indexes/default.sqlite"
    }
}

struct ModelOptions: ParsableArguments {
    @Option(name: .long, help: "Folder holding the model files fetched by scripts/fetch-models (env RAG_MODELS_DIR).")
    var modelsDir: String?

    /// --models-dir, else RAG_MODELS_DIR, else ./Models, else the Models folder of the checkout the binary was
    /// built in (the binary lives in <repo>/.build/<config>/), so `rag` works from any working directory.
    var directory: String {
        if let modelsDir { return modelsDir }
        if let env = ProcessInfo.processInfo.environment["RAG_MODELS_DIR"] { return env }
        if FileManager.default.fileExists(atPath: "Models") { return "Models" }
        var dir = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
        for _ in 0..<4 {
            dir = dir.deletingLastPathComponent()
            let candidate = dir.appendingPathComponent("Models")
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate.path }
        }
        return "Models"
    }
}

/// Writes to standard error (Swift 6 rejects the C `stderr` global as shared mutable state).
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// Writes a JSON object as one line on standard output.
func printJSON<T: Encodable>(_ value: T) throws {
    let data = try JSONEncoder.snakeCase.encode(value)
    print(String(decoding: data, as: UTF8.self))
}

var standardOutputIsTerminal: Bool { isatty(1) == 1 }

/// Runs `body`, reporting a library's `invalid_input` error (a bad input file named by a flag) as a usage error,
/// so it exits with status 2 like the flag checks.
func asUsageError<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as RAGError where e.code == .invalidInput { throw ValidationError(e.message) }
}
