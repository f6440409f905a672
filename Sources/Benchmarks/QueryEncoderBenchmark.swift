/// `rag bench query-encoder`: single short queries, one at a time (the latency a lone search pays), through the
/// full encoder and through the index's distilled query encoder; p50 and p90 per encoder.
import Adaptation
import Encoder
import Foundation
import RAGCore

public enum QueryEncoderBenchmark {
    public struct Result: Encodable, Sendable {
        public var encoder: String
        public var layers: Int
        public var queries: Int
        public var p50Ms: RoundedNumber
        public var p90Ms: RoundedNumber
        public var speedupP50: RoundedNumber
        enum CodingKeys: String, CodingKey {
            case encoder, layers, queries, p50Ms = "p50_ms", p90Ms = "p90_ms", speedupP50 = "speedup_p50"
        }
    }

    /// Each query embedded alone, `repeats` rounds over all queries (after one warm-up round), full encoder and
    /// distilled interleaved per query so machine load hits both alike.
    public static func run(full: MiniLMEncoder, distilled: DistilledQueryEncoder?, queries: [String], repeats: Int) throws -> [Result] {
        var fullTimes: [Double] = [], distilledTimes: [Double] = []
        for round in 0...repeats {
            for q in queries {
                var t = ContinuousClock.now
                _ = try full.embed([q])
                let a = (ContinuousClock.now - t).seconds
                var b = 0.0
                if let distilled {
                    t = ContinuousClock.now
                    _ = distilled.embed([q])
                    b = (ContinuousClock.now - t).seconds
                }
                if round > 0 {
                    fullTimes.append(a * 1000)
                    if distilled != nil { distilledTimes.append(b * 1000) }
                }
            }
        }
        let fullP50 = OrderStatistics.quantile(fullTimes, 0.5)
        var out = [Result(encoder: "full", layers: full.config.layers, queries: fullTimes.count, p50Ms: RoundedNumber(fullP50),
                          p90Ms: RoundedNumber(OrderStatistics.quantile(fullTimes, 0.9)), speedupP50: RoundedNumber(1))]
        if let distilled {
            let p50 = OrderStatistics.quantile(distilledTimes, 0.5)
            out.append(Result(encoder: "distilled", layers: distilled.layers, queries: distilledTimes.count, p50Ms: RoundedNumber(p50),
                              p90Ms: RoundedNumber(OrderStatistics.quantile(distilledTimes, 0.9)),
                              speedupP50: RoundedNumber(p50 > 0 ? fullP50 / p50 : 0)))
        }
        return out
    }
}
