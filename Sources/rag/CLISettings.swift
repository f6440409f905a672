/// The settings every command reads through the one resolver (flag, then `RAG_<SECTION>_<KEY>`, then `rag.toml`,
/// then the table's default): `--config`, the resolver the running command loaded, and flag help built from the table.
import ArgumentParser
import Foundation
import RAGCore
import Settings

struct ConfigOptions: ParsableArguments {
    @Option(help: "Settings file (env RAG_CONFIG; default: the index's path with .toml, e.g. Indexes/default.toml, when it exists).")
    var config: String?
}

/// A command whose flags have settings. `RagCommand.main` loads its resolver after parsing, then calls
/// `validateSettings()`, which checks the resolved values as `validate()` checks flags.
protocol SettingsCommand {
    var configOptions: ConfigOptions { get }
    /// The index whose `rag.toml` is read when neither `--config` nor `RAG_CONFIG` names one.
    var settingsIndexPath: String? { get }
    func validateSettings() throws
}

/// The resolver of the running command: set once, after parsing, before validation and `run()`; before that (while
/// ArgumentParser validates flags) flags and defaults only.
enum CLISettings {
    /// A lock because Swift 6 rejects a mutable global; it is written once, before any task reads it.
    private final class Box: @unchecked Sendable {
        let lock = NSLock()
        var resolver = SettingsResolver.defaultsOnly
    }
    private static let box = Box()

    static var current: SettingsResolver {
        box.lock.lock(); defer { box.lock.unlock() }
        return box.resolver
    }

    /// For a command with settings: loads RAG_* and rag.toml once the flags (and so --config and --index) are
    /// known, then runs the same checks as the flags had on the resolved values.
    static func prepare(_ command: any ParsableCommand) throws {
        guard let configurable = command as? any SettingsCommand else { return }
        let resolver = try SettingsResolver(configPath: configurable.configOptions.config, indexPath: configurable.settingsIndexPath)
        box.lock.lock()
        box.resolver = resolver
        box.lock.unlock()
        try configurable.validateSettings()
    }

    // Values of settings that have a default (the table guarantees one; the fallbacks are never used).
    static func int(_ d: SettingDefinition, _ flag: Int?, commandDefault: Int? = nil) -> Int { current.int(d, flag: flag, commandDefault: commandDefault) ?? 0 }
    static func double(_ d: SettingDefinition, _ flag: Double?) -> Double { current.double(d, flag: flag) ?? 0 }
    static func string(_ d: SettingDefinition, _ flag: String?) -> String { current.string(d, flag: flag) ?? "" }
    static func bool(_ d: SettingDefinition, _ flag: Bool) -> Bool { current.bool(d, flag: flag) }
    static func strings(_ d: SettingDefinition, _ flag: [String]) -> [String] { current.strings(d, flag: flag) }
    static func choice<T: RawRepresentable>(_ d: SettingDefinition, _ flag: T?, commandDefault: T? = nil) -> T where T.RawValue == String {
        if flag == nil, let commandDefault, case .default = current.resolve(d).source { return commandDefault }
        return current.choice(d, flag: flag) ?? T(rawValue: d.defaultValue.map { if case .string(let s) = $0 { s } else { "" } } ?? "")!
    }
}

/// A flag's help from the table: the text (the table's, or the command's own wording), then the default and the
/// `rag.toml` key.
func settingHelp(_ d: SettingDefinition, _ text: String? = nil, default shownDefault: String? = nil) -> ArgumentHelp {
    let value: String? = shownDefault ?? d.defaultValue.map {
        switch $0 {
        case .string(let s): s
        case .strings(let list): list.isEmpty ? "none" : list.joined(separator: ", ")
        default: $0.description
        }
    }
    let defaultPart = value.map { "default: \($0); " } ?? ""
    var sentence = text ?? d.help
    let stop = sentence.hasSuffix(".") ? "." : ""
    if !stop.isEmpty { sentence.removeLast() }
    return ArgumentHelp("\(sentence) (\(defaultPart)[\(d.section.rawValue)] \(d.key), env \(d.environmentName))\(stop)")
}
