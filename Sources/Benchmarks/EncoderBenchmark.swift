/// Encoder throughput: embeds a list of texts `repeats` times after a warm-up and reports the median run.
import Encoder
import Foundation
import Kernels
import RAGCore

public enum EncoderBenchmark {
    public struct Result: Encodable, Sendable {
        public var texts: Int
        public var tokens: Int
        public var seconds: RoundedNumber
        public var textsPerS: RoundedNumber
        public var tokensPerS: RoundedNumber
        public var peakRssMb: RoundedNumber
        public var precision: String
        public var blasCore: String
        public var workers: Int
    }

    public static func run(_ encoder: MiniLMEncoder, texts: [String], repeats: Int) throws -> Result {
        let tokens = texts.reduce(0) { $0 + encoder.tokenize($1).count }
        _ = try encoder.embed(Array(texts.prefix(32)))  // warm-up, as the reference script does
        var runs: [Double] = []
        for _ in 0..<max(1, repeats) {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = try encoder.embed(texts)
            runs.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        let seconds = OrderStatistics.median(runs)
        return Result(texts: texts.count, tokens: tokens, seconds: RoundedNumber(seconds),
                      textsPerS: RoundedNumber(Double(texts.count) / seconds),
                      tokensPerS: RoundedNumber(Double(tokens) / seconds),
                      peakRssMb: RoundedNumber(peakRSSMegabytes()), precision: encoder.precision.rawValue,
                      blasCore: BLASRuntime.coreName(), workers: encoder.workers)
    }
}
