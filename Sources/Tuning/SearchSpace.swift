/// The settings `rag tune` searches: typed dimensions (a choice, an integer or a real range) named by their
/// `rag.toml` key and section, and one point of the space (`TuneSettings`).
import Foundation
import RAGCore

/// One value of a setting.
public enum SettingValue: Sendable, Hashable, Encodable, CustomStringConvertible {
    case text(String)
    case integer(Int)
    case real(Double)

    public var description: String {
        switch self {
        case .text(let s): s
        case .integer(let i): String(i)
        case .real(let x): String(format: "%.4g", x)
        }
    }

    public var textValue: String? { if case .text(let s) = self { s } else { nil } }
    public var integerValue: Int? { if case .integer(let i) = self { i } else { nil } }
    public var realValue: Double? {
        switch self {
        case .real(let x): x
        case .integer(let i): Double(i)
        case .text: nil
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .text(let s): try c.encode(s)
        case .integer(let i): try c.encode(i)
        // Reals are rounded to 6 places, so a run's JSON is the same text on every machine.
        case .real(let x): try c.encode(Double(String(format: "%.6f", x)) ?? x)
        }
    }
}

/// A dimension of a search space.
public struct Dimension: Sendable {
    public enum Kind: Sendable {
        case choice([String])
        /// Sampled uniformly on a log scale when `log` (the bounds must then be positive).
        case integer(ClosedRange<Int>, log: Bool)
        case real(ClosedRange<Double>, log: Bool)
    }

    /// The key in `rag.toml`: the long CLI flag without `--`, `-` → `_` (`--reader-passages` → `reader_passages`).
    public let key: String
    /// The `rag.toml` section: `ingest`, `retrieval`, `answer` or `serve`.
    public let section: String
    public let kind: Kind
    /// The value the project uses when nothing is set (trial 0).
    public let defaultValue: SettingValue
    /// False for settings no CLI flag reads yet (`--write` names them in the file's comment, not as keys).
    public let hasFlag: Bool

    public init(_ key: String, section: String, _ kind: Kind, default defaultValue: SettingValue, hasFlag: Bool = true) {
        self.key = key
        self.section = section
        self.kind = kind
        self.defaultValue = defaultValue
        self.hasFlag = hasFlag
    }

    /// The value at unit coordinate `u` in [0, 1] (numeric kinds) or at choice index `u · count` (choices).
    func value(unit u: Double) -> SettingValue {
        let u = min(max(u, 0), 1)
        switch kind {
        case .choice(let options):
            return .text(options[min(options.count - 1, Int(u * Double(options.count)))])
        case .integer(let r, let log):
            let lo = Double(r.lowerBound), hi = Double(r.upperBound)
            let x = log ? exp(Foundation.log(lo) + u * (Foundation.log(hi) - Foundation.log(lo))) : lo + u * (hi - lo)
            return .integer(min(r.upperBound, max(r.lowerBound, Int(x.rounded()))))
        case .real(let r, let log):
            let lo = r.lowerBound, hi = r.upperBound
            return .real(log ? exp(Foundation.log(lo) + u * (Foundation.log(hi) - Foundation.log(lo))) : lo + u * (hi - lo))
        }
    }

    /// The unit coordinate of a numeric value (the inverse of `value(unit:)`), or nil for choices.
    func unit(_ v: SettingValue) -> Double? {
        let lo: Double, hi: Double, log: Bool
        switch kind {
        case .choice: return nil
        case .integer(let r, let l): (lo, hi, log) = (Double(r.lowerBound), Double(r.upperBound), l)
        case .real(let r, let l): (lo, hi, log) = (r.lowerBound, r.upperBound, l)
        }
        guard let x = v.realValue, hi > lo else { return 0.5 }
        let u = log ? (Foundation.log(x) - Foundation.log(lo)) / (Foundation.log(hi) - Foundation.log(lo)) : (x - lo) / (hi - lo)
        return min(max(u, 0), 1)
    }
}

/// One point of a search space: a value for every dimension, in the space's order.
public struct TuneSettings: Sendable, Hashable, Encodable, CustomStringConvertible {
    public let keys: [String]
    public let values: [SettingValue]

    public init(keys: [String], values: [SettingValue]) {
        self.keys = keys
        self.values = values
    }

    public subscript(key: String) -> SettingValue? {
        keys.firstIndex(of: key).map { values[$0] }
    }

    /// `key=value` pairs in the space's order (the progress line).
    public var description: String {
        zip(keys, values).map { "\($0)=\($1)" }.joined(separator: " ")
    }

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        for (k, v) in zip(keys, values) { try c.encode(v, forKey: Key(stringValue: k)) }
    }
}

/// The dimensions one tune searches.
public struct SearchSpace: Sendable {
    public let name: String
    public let dimensions: [Dimension]

    public init(name: String, dimensions: [Dimension]) {
        self.name = name
        self.dimensions = dimensions
    }

    /// Trial 0: every setting at its default.
    public var defaults: TuneSettings {
        TuneSettings(keys: dimensions.map(\.key), values: dimensions.map(\.defaultValue))
    }

    public func dimension(_ key: String) -> Dimension? { dimensions.first { $0.key == key } }
}
