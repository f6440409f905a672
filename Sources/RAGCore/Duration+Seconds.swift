/// A `Duration` as seconds in a `Double`, for timers, metrics and benchmark figures.
extension Duration {
    /// Whole and fractional seconds (attoseconds folded in).
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
