/// What users expect of any command-line tool: `--version` and shell completions.
import Foundation
import Testing

@Suite struct ConventionsCLITests {
    @Test func versionNamesTheCommitTheCompilerAndTheKernelPaths() throws {
        let r = try CLI.run(["--version"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("rag ") == true, "\(r.stdout)")
        let commit = try #require(lines.first { $0.hasPrefix("commit ") }).dropFirst("commit ".count)
        #expect(commit == "unknown" || (commit.count >= 7 && commit.allSatisfy(\.isHexDigit)), "commit \(commit)")
        #expect(lines.contains { $0.hasPrefix("Swift 6.") })
        for family in ["generator quantised kernels: ", "encoder int8 GEMM: ", "BLAS (OpenBLAS): "] {
            #expect(lines.contains { $0.hasPrefix(family) && $0.count > family.count }, "missing \(family)")
        }
    }

    @Test(arguments: ["bash", "zsh", "fish"])
    func completionScriptCoversTheSubcommands(shell: String) throws {
        let r = try CLI.run(["--generate-completion-script", shell])
        #expect(r.status == 0, "\(r.stderr)")
        for word in ["ingest", "search", "ask", "bench", "--index"] {
            #expect(r.stdout.contains(word), "\(shell) script does not mention \(word)")
        }
        switch shell {
        case "bash": #expect(r.stdout.contains("complete ") && r.stdout.contains("_rag"))
        case "zsh": #expect(r.stdout.hasPrefix("#compdef rag"))
        default: #expect(r.stdout.contains("complete -c") && r.stdout.contains("rag"))
        }
    }
}
