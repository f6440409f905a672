/// `rag bench generate`: prefill and decode speed of the local generator, as one JSON line.
import ArgumentParser
import Benchmarks
import Foundation
import Generator

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
    @Option(help: "Instead: aggregate decode speed of this many sequences decoded together (1–64).") var batch: Int?
    @Flag(name: .customLong("stream-gap"), help: "Instead: the worst gap between two tokens of a running stream while a --prompt-tokens prompt arrives.") var streamGap = false

    func run() async throws {
        let n = threads ?? ProcessInfo.processInfo.activeProcessorCount
        if let batch {
            guard (1...64).contains(batch) else { throw ValidationError("--batch must be between 1 and 64") }
            let engine = try LocalGenerator(modelPath: modelPath, threads: n, contextLength: promptTokens + genTokens + 1,
                                            adaptiveThreads: !fixedThreads)
            let r = try engine.batchDecodeBenchmark(batch: batch, promptTokens: promptTokens, genTokens: genTokens)
            try printJSON(GenerateBenchmark.BatchDecode(threads: n, batch: batch, promptTokens: promptTokens, genTokens: genTokens,
                                                        decodeTokS: RoundedNumber(r.tokensPerSecond, decimals: 2),
                                                        decodeCpuS: RoundedNumber(r.cpuSeconds, decimals: 3)))
            return
        }
        if streamGap {
            let engine = try LocalGenerator(modelPath: modelPath, threads: n, contextLength: 2048, adaptiveThreads: !fixedThreads)
            let r = try engine.streamGapBenchmark(promptTokens: promptTokens)
            try printJSON(GenerateBenchmark.StreamGap(
                promptTokens: r.promptTokens, baselineGapMs: RoundedNumber(r.baselineGapSeconds * 1000, decimals: 1),
                worstGapMs: RoundedNumber(r.worstGapSeconds * 1000, decimals: 1), deltasDuringPrefill: r.deltasDuringPrefill,
                ttftS: RoundedNumber(r.timeToFirstTokenSeconds, decimals: 3)))
            return
        }
        let engine = try LocalGenerator(modelPath: modelPath, threads: n, contextLength: promptTokens + genTokens,
                                        adaptiveThreads: !fixedThreads)
        try printJSON(try GenerateBenchmark.run(engine, promptTokens: promptTokens, genTokens: genTokens, repeats: repeats))
    }
}
