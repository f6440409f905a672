/// One setting of `rag.toml`: its section, key (the long CLI flag with `-` as `_`), type, default, help and the
/// values it accepts.
import RAGCore

/// The sections of `rag.toml`.
public enum SettingSection: String, Sendable, CaseIterable {
    case ingest, retrieval, answer, serve
}

/// A setting's value, as the file, the environment or a flag gives it.
public enum SettingValue: Sendable, Equatable, Encodable, CustomStringConvertible {
    case int(Int)
    case double(Double)
    case string(String)
    case bool(Bool)
    case strings([String])

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .int(let v): try c.encode(v)
        case .double(let v): try c.encode(v)
        case .string(let v): try c.encode(v)
        case .bool(let v): try c.encode(v)
        case .strings(let v): try c.encode(v)
        }
    }

    /// As TOML would write it.
    public var description: String {
        switch self {
        case .int(let v): "\(v)"
        case .double(let v): "\(v)"
        case .string(let v): "\"\(v)\""
        case .bool(let v): "\(v)"
        case .strings(let v): "[" + v.map { "\"\($0)\"" }.joined(separator: ", ") + "]"
        }
    }
}

/// What a setting holds and which values it accepts: the one place a value from `rag.toml` or `RAG_*` is checked
/// (values from flags are checked where the commands build their parameter values, as before).
public enum SettingKind: Sendable, Equatable {
    case int(min: Int?, max: Int?)
    case double(min: Double?, max: Double?)
    case string
    case choice([String])
    case bool
    case strings

    /// What a bad value is told it should be ("an integer ≥ 1").
    public var expected: String {
        switch self {
        case .int(let lo?, let hi?): "an integer in \(lo)…\(hi)"
        case .int(let lo?, nil): "an integer ≥ \(lo)"
        case .int(nil, let hi?): "an integer ≤ \(hi)"
        case .int: "an integer"
        case .double(let lo?, let hi?): "a number in \(Self.format(lo))…\(Self.format(hi))"
        case .double(let lo?, nil): "a number ≥ \(Self.format(lo))"
        case .double(nil, let hi?): "a number ≤ \(Self.format(hi))"
        case .double: "a number"
        case .string: "a string"
        case .choice(let names): "one of " + names.joined(separator: ", ")
        case .bool: "true or false"
        case .strings: "a list of strings"
        }
    }

    static func format(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x) }

    /// The value if it is of this kind and in range (an integer is taken for a number), else nil.
    public func check(_ value: SettingValue) -> SettingValue? {
        switch (self, value) {
        case (.int(let lo, let hi), .int(let v)):
            if let lo, v < lo { return nil }
            if let hi, v > hi { return nil }
            return value
        case (.double, .int(let v)):
            return check(.double(Double(v)))
        case (.double(let lo, let hi), .double(let v)):
            guard v.isFinite else { return nil }
            if let lo, v < lo { return nil }
            if let hi, v > hi { return nil }
            return value
        case (.string, .string): return value
        case (.choice(let names), .string(let v)): return names.contains(v) ? value : nil
        case (.bool, .bool): return value
        case (.strings, .strings): return value
        case (.strings, .string(let v)): return .strings([v])
        default: return nil
        }
    }

    /// A value from an environment variable's text (lists are comma-separated), unchecked.
    public func parse(environment text: String) -> SettingValue {
        switch self {
        case .int: if let v = Int(text.trimmingCharacters(in: .whitespaces)) { return .int(v) }
        case .double: if let v = Double(text.trimmingCharacters(in: .whitespaces)) { return .double(v) }
        case .bool:
            switch text.lowercased() {
            case "true", "1", "yes", "on": return .bool(true)
            case "false", "0", "no", "off": return .bool(false)
            default: break
            }
        case .strings: return .strings(text.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) })
        case .string, .choice: break
        }
        return .string(text)
    }
}

/// A setting: where it lives in `rag.toml`, its type and default, and its help.
public struct SettingDefinition: Sendable, Equatable {
    public var section: SettingSection
    /// The long CLI flag with `-` replaced by `_` (`--chunk-tokens` → `chunk_tokens`).
    public var key: String
    public var kind: SettingKind
    /// Nil: unset unless given (the command then decides, as `--threads` does: all cores).
    public var defaultValue: SettingValue?
    public var help: String

    public init(_ section: SettingSection, _ key: String, _ kind: SettingKind, _ defaultValue: SettingValue?, _ help: String) {
        self.section = section
        self.key = key
        self.kind = kind
        self.defaultValue = defaultValue
        self.help = help
    }

    /// `retrieval.k`.
    public var name: String { "\(section.rawValue).\(key)" }
    /// `RAG_RETRIEVAL_K`.
    public var environmentName: String { "RAG_\(section.rawValue)_\(key)".uppercased() }
    /// `--chunk-tokens`.
    public var flag: String { "--" + key.replacingOccurrences(of: "_", with: "-") }
}

import Foundation
