/// The one resolver every command uses: a setting's value is its flag's, else `RAG_<SECTION>_<KEY>`'s, else
/// `rag.toml`'s, else the table's default — with where it came from.
import Foundation
import RAGCore

/// Where a setting's value came from.
public enum SettingSource: Sendable, Equatable, CustomStringConvertible {
    case flag
    case environment(String)
    case file(path: String, line: Int)
    case `default`

    /// As `rag config show` prints it: `flag`, `env RAG_RETRIEVAL_K`, `file Indexes/rag.toml:12`, `default`.
    public var description: String {
        switch self {
        case .flag: "flag"
        case .environment(let name): "env \(name)"
        case .file(let path, let line): "file \(path):\(line)"
        case .default: "default"
        }
    }
}

/// A setting's effective value (nil: unset, the command decides) and its source.
public struct ResolvedSetting: Sendable, Equatable {
    public var definition: SettingDefinition
    public var value: SettingValue?
    public var source: SettingSource

    public init(definition: SettingDefinition, value: SettingValue?, source: SettingSource) {
        self.definition = definition
        self.value = value
        self.source = source
    }
}

public struct SettingsResolver: Sendable {
    /// The settings file in use, if any.
    public let file: SettingsFile?
    /// `RAG_<SECTION>_<KEY>` values, checked.
    let environment: [String: SettingValue]

    /// Reads the settings file and the environment, checking every value there (so resolving cannot fail later).
    /// The file is `configPath` (`--config`), else `RAG_CONFIG`, else `indexPath` with the extension `.toml`
    /// when that file exists.
    /// - Throws: `not_found` for a `--config`/`RAG_CONFIG` file that cannot be read; `invalid_config` naming the
    ///   file, line and key, or the variable, for a value that cannot be used.
    public init(configPath: String?, indexPath: String?, environment env: [String: String] = ProcessInfo.processInfo.environment) throws {
        let chosen = configPath ?? env["RAG_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
        if let chosen {
            file = try SettingsFile(path: chosen)
        } else if let indexPath, let beside = Self.configPath(besideIndex: indexPath), FileManager.default.fileExists(atPath: beside) {
            file = try SettingsFile(path: beside)
        } else {
            file = nil
        }
        var values: [String: SettingValue] = [:]
        for d in Setting.all {
            // Empty is unset, as for RAG_API_KEY.
            guard let text = env[d.environmentName], !text.isEmpty else { continue }
            guard let v = d.kind.check(d.kind.parse(environment: text)) else {
                throw RAGError(.invalidConfig, "\(d.environmentName): [\(d.section.rawValue)] \(d.key): expected \(d.kind.expected), got \"\(text)\"")
            }
            values[d.name] = v
        }
        environment = values
    }

    /// No file, no environment: flags and defaults only.
    public static let defaultsOnly = SettingsResolver()
    private init() { file = nil; environment = [:] }

    /// `Indexes/rag.sqlite` → `Indexes/rag.toml` (a sharded index's folder `Indexes/big` → `Indexes/big.toml`).
    public static func configPath(besideIndex indexPath: String) -> String? {
        guard !indexPath.isEmpty else { return nil }
        let url = URL(fileURLWithPath: indexPath)
        let base = url.pathExtension.isEmpty ? indexPath : String(indexPath.dropLast(url.pathExtension.count + 1))
        return base + ".toml"
    }

    /// The value of `definition`: `flag` when given, else the environment's, the file's, `commandDefault` (a
    /// command whose own default differs, as `rag search`'s 10 results), the table's default.
    public func resolve(_ definition: SettingDefinition, flag: SettingValue? = nil, commandDefault: SettingValue? = nil) -> ResolvedSetting {
        if let flag { return ResolvedSetting(definition: definition, value: flag, source: .flag) }
        if let v = environment[definition.name] {
            return ResolvedSetting(definition: definition, value: v, source: .environment(definition.environmentName))
        }
        if let file, let (v, line) = file.values[definition.name] {
            return ResolvedSetting(definition: definition, value: v, source: .file(path: file.path, line: line))
        }
        return ResolvedSetting(definition: definition, value: commandDefault ?? definition.defaultValue, source: .default)
    }

    /// Every setting, flags not given.
    public func all() -> [ResolvedSetting] { Setting.all.map { resolve($0) } }

    // Typed access. The table's kinds guarantee the cases; a mismatch is a programming error in the table.

    public func int(_ d: SettingDefinition, flag: Int?, commandDefault: Int? = nil) -> Int? {
        switch resolve(d, flag: flag.map { .int($0) }, commandDefault: commandDefault.map { .int($0) }).value {
        case .int(let v): v
        case .double(let v): Int(v)
        default: nil
        }
    }

    public func double(_ d: SettingDefinition, flag: Double?) -> Double? {
        switch resolve(d, flag: flag.map { .double($0) }).value {
        case .double(let v): v
        case .int(let v): Double(v)
        default: nil
        }
    }

    public func string(_ d: SettingDefinition, flag: String?) -> String? {
        if case .string(let v) = resolve(d, flag: flag.map { .string($0) }).value { return v }
        return nil
    }

    /// A boolean flag (`--no-embed`) can only say yes: not given, the environment, file or default decide.
    public func bool(_ d: SettingDefinition, flag: Bool) -> Bool {
        if case .bool(let v) = resolve(d, flag: flag ? .bool(true) : nil).value { return v }
        return false
    }

    /// A repeatable flag: given at least once, it replaces the list.
    public func strings(_ d: SettingDefinition, flag: [String]) -> [String] {
        if case .strings(let v) = resolve(d, flag: flag.isEmpty ? nil : .strings(flag)).value { return v }
        return []
    }

    /// A choice as the flag's enum (the table lists exactly the enum's raw values).
    public func choice<T: RawRepresentable>(_ d: SettingDefinition, flag: T?) -> T? where T.RawValue == String {
        string(d, flag: flag?.rawValue).flatMap(T.init(rawValue:))
    }
}
