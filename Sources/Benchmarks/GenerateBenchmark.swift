/// The local generator's prefill and decode speed as one JSON line, like llama-bench -p/-n. The measurement needs
/// the model's internals and lives beside them (`LocalGenerator.benchmark` in Generator); this is its report.
import Generator
import RAGCore

public enum GenerateBenchmark {
    /// Speeds with two decimals and CPU seconds with three, as llama-bench prints them.
    public struct Result: Encodable, Sendable {
        public var threads: Int
        public var promptTokens: Int
        public var genTokens: Int
        public var prefillTokS: RoundedNumber
        public var decodeTokS: RoundedNumber
        public var ttftS: RoundedNumber
        public var peakRssMb: RoundedNumber
        public var decodeStepsByThreads: [Int]
        public var prefillCpuS: RoundedNumber
        public var decodeCpuS: RoundedNumber
    }

    /// `rag bench generate --batch B`: decode tokens per second over B sequences decoded together.
    public struct BatchDecode: Encodable, Sendable {
        public var threads: Int
        public var batch: Int
        public var promptTokens: Int
        public var genTokens: Int
        public var decodeTokS: RoundedNumber
        public var decodeCpuS: RoundedNumber
        public init(threads: Int, batch: Int, promptTokens: Int, genTokens: Int, decodeTokS: RoundedNumber, decodeCpuS: RoundedNumber) {
            self.threads = threads; self.batch = batch; self.promptTokens = promptTokens; self.genTokens = genTokens
            self.decodeTokS = decodeTokS; self.decodeCpuS = decodeCpuS
        }
    }

    /// `rag bench generate --stream-gap`.
    public struct StreamGap: Encodable, Sendable {
        public var promptTokens: Int
        public var baselineGapMs: RoundedNumber
        public var worstGapMs: RoundedNumber
        public var deltasDuringPrefill: Int
        public var ttftS: RoundedNumber
        public init(promptTokens: Int, baselineGapMs: RoundedNumber, worstGapMs: RoundedNumber, deltasDuringPrefill: Int, ttftS: RoundedNumber) {
            self.promptTokens = promptTokens; self.baselineGapMs = baselineGapMs; self.worstGapMs = worstGapMs
            self.deltasDuringPrefill = deltasDuringPrefill; self.ttftS = ttftS
        }
    }

    public static func run(_ generator: LocalGenerator, promptTokens: Int, genTokens: Int, repeats: Int) throws -> Result {
        let r = try generator.benchmark(promptTokens: promptTokens, genTokens: genTokens, repeats: repeats)
        return Result(threads: r.threads, promptTokens: r.promptTokens, genTokens: r.genTokens,
                      prefillTokS: RoundedNumber(r.prefillTokensPerSecond, decimals: 2),
                      decodeTokS: RoundedNumber(r.decodeTokensPerSecond, decimals: 2),
                      ttftS: RoundedNumber(r.timeToFirstTokenSeconds, decimals: 4),
                      peakRssMb: RoundedNumber(peakRSSMegabytes(), decimals: 1),
                      decodeStepsByThreads: r.decodeStepsByThreads,
                      prefillCpuS: RoundedNumber(r.prefillCPUSeconds, decimals: 3),
                      decodeCpuS: RoundedNumber(r.decodeCPUSeconds, decimals: 3))
    }
}
