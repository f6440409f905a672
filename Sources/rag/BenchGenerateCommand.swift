/// `rag bench generate`: prefill and decode speed of the local generator, as one JSON line.
import ArgumentParser
import Foundation
import Generator
import RAGCore

struct BenchGenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "generate", abstract: "Benchmark the local generator (like llama-bench -p/-n).")

    @Option(help: "Path of the GGUF model (default: <models-dir>/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf).") var model: String?
    @OptionGroup var modelOptions: ModelOptions
    var modelPath: String { model ?? GeneratorModel.path(modelOptions.directory) }
    @Option(name: .customLong("prompt-tokens"), help: "Prompt tokens to prefill.") var promptTokens: Int = 512
    @Option(name: .customLong("gen-tokens"), help: "Tokens to decode.") var genTokens: Int = 128
    @Option(help: "Most threads (default: all cores).") var threads: Int?
    @Option(help: "Measured runs after a warm-up; the median is printed.") var repeats: Int = 3
    @Flag(name: .customLong("fixed-threads"), help: "Always use --threads for decode (no adaptation to busy cores).") var fixedThreads = false

    func run() async throws {
        do {
            let n = threads ?? ProcessInfo.processInfo.activeProcessorCount
            let engine = try LocalGenerator(modelPath: modelPath, threads: n, contextLength: promptTokens + genTokens,
                                            adaptiveThreads: !fixedThreads)
            let r = try engine.benchmark(promptTokens: promptTokens, genTokens: genTokens, repeats: repeats)
            var usage = rusage()
            getrusage(RUSAGE_SELF.rawValue, &usage)
            let peakMB = Double(usage.ru_maxrss) / 1024  // Linux reports KiB
            func f(_ x: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", x) }
            print("{\"threads\":\(r.threads),\"prompt_tokens\":\(r.promptTokens),\"gen_tokens\":\(r.genTokens),"
                + "\"prefill_tok_s\":\(f(r.prefillTokensPerSecond)),\"decode_tok_s\":\(f(r.decodeTokensPerSecond)),"
                + "\"ttft_s\":\(f(r.timeToFirstTokenSeconds, 4)),\"peak_rss_mb\":\(f(peakMB, 1)),"
                + "\"decode_steps_by_threads\":\(r.decodeStepsByThreads),\"prefill_cpu_s\":\(f(r.prefillCPUSeconds, 3)),"
                + "\"decode_cpu_s\":\(f(r.decodeCPUSeconds, 3))}")
        } catch let e as RAGError {
            FileHandle.standardError.write(Data("error: \(e.message)\n".utf8))
            throw ExitCode(e.code.exitCode)
        }
    }
}
