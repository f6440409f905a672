/// The order statistics the benchmarks report: medians of timed runs and quantiles of request latencies.
enum OrderStatistics {
    /// The upper median (the middle element, or the higher of the two middle ones); 0 for no samples.
    static func median<T: Comparable & AdditiveArithmetic>(_ xs: [T]) -> T {
        xs.isEmpty ? .zero : xs.sorted()[xs.count / 2]
    }

    /// The sample at rank ⌊n·q⌋ (clamped), the convention of the load generator's p50/p90; 0 for no samples.
    static func quantile(_ xs: [Double], _ q: Double) -> Double {
        xs.isEmpty ? 0 : xs.sorted()[min(xs.count - 1, Int(Double(xs.count) * q))]
    }
}
