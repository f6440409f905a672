/// A benchmark figure rounded for printing, so a JSON line shows the digits a measurement can support (six
/// significant digits, or a fixed number of decimals for llama-bench-style speeds) rather than noise.
import Foundation

public struct RoundedNumber: Encodable, Sendable, Equatable {
    /// The rounded value; nil for a non-finite measurement, written as JSON null.
    public let value: Double?

    /// `x` to six significant digits (as C's `%.6g`).
    public init(_ x: Double) {
        value = x.isFinite ? Double(String(format: "%.6g", x)) : nil
    }

    /// `x` to `decimals` places (as C's `%.Nf`).
    public init(_ x: Double, decimals: Int) {
        value = x.isFinite ? Double(String(format: "%.\(decimals)f", x)) : nil
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        if let value { try c.encode(value) } else { try c.encodeNil() }
    }
}
