import Foundation
import TestSupport
import Testing

/// Runs the built `rag` binary (the one next to this test bundle) as a real process.
enum CLI {
    static let repoRoot = Paths.root

    static var binary: String {
        if let env = ProcessInfo.processInfo.environment["RAG_BIN"] { return env }
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for dir in [beside, beside.deletingLastPathComponent()] {
            let candidate = dir.appendingPathComponent("rag").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        for config in ["release", "debug"] {
            let candidate = repoRoot.appendingPathComponent(".build/\(config)/rag").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return "rag"
    }

    static var modelsDir: String { repoRoot.appendingPathComponent("Models").path }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        var json: [String: Any]? {
            guard let line = stdout.split(separator: "\n").last,
                  let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            return obj
        }
    }

    /// Runs `rag args…` to completion. `prefix` runs it through another program (such as setpriv).
    @discardableResult
    static func run(_ args: [String], prefix: [String] = [], cwd: String? = nil, binary: String? = nil,
                    modelsDir: String? = nil) throws -> Result {
        try finish(try start(args, prefix: prefix, cwd: cwd, binary: binary, modelsDir: modelsDir))
    }

    /// Waits for a started process whose output and error are pipes, and returns both texts with its status.
    static func finish(_ p: Process) -> Result {
        let out = p.standardOutput as! Pipe, err = p.standardError as! Pipe
        // Read both pipes fully before waiting, so a chatty child never blocks on a full pipe.
        let group = DispatchGroup()
        nonisolated(unsafe) var outData = Data(), errData = Data()
        group.enter(); DispatchQueue.global().async { outData = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        group.enter(); DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        group.wait()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    static func start(_ args: [String], prefix: [String] = [], cwd: String? = nil, binary: String? = nil,
                      modelsDir: String? = nil, environment: [String: String] = [:]) throws -> Process {
        let p = Process()
        let executable = binary ?? Self.binary
        if prefix.isEmpty {
            p.executableURL = URL(fileURLWithPath: executable)
            p.arguments = args
        } else {
            p.executableURL = URL(fileURLWithPath: prefix[0])
            p.arguments = Array(prefix.dropFirst()) + [executable] + args
        }
        var env = ProcessInfo.processInfo.environment
        env["RAG_MODELS_DIR"] = modelsDir ?? Self.modelsDir
        env.merge(environment) { _, new in new }
        p.environment = env
        if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        p.standardOutput = Pipe()
        p.standardError = Pipe()
        p.standardInput = FileHandle.nullDevice
        try p.run()
        return p
    }

    static func temporaryDirectory(_ name: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rag-cli-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// A new index of the Corpus (embedded, through the real binary) in a temporary folder named after `name`.
    static func corpusIndex(_ name: String) -> String {
        let dir = try! temporaryDirectory(name)
        let path = dir.appendingPathComponent("corpus.sqlite").path
        let r = try! run(["ingest", repoRoot.appendingPathComponent("Corpus").path, "--index", path])
        precondition(r.status == 0, "ingest of Corpus failed: \(r.stderr)")
        return path
    }
}
