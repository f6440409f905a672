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

var standardErrorIsTerminal: Bool { isatty(2) == 1 }
var standardOutputIsTerminal: Bool { isatty(1) == 1 }

/// Peak resident set size of this process, in MB (VmHWM from /proc/self/status).
func peakRSSMegabytes() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kb = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Double($0) } ?? 0
        return kb / 1024
    }
    return 0
}
