/// `rag config show`: every setting's effective value and where it came from (flag, RAG_* environment, rag.toml
/// with its line, or the default).
import ArgumentParser
import Foundation
import RAGCore
import Settings

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Show the settings rag.toml, RAG_<SECTION>_<KEY> and the defaults give.",
        discussion: """
            Settings are read from the flag, then the environment variable RAG_<SECTION>_<KEY> (RAG_RETRIEVAL_K), \
            then the settings file (--config, else RAG_CONFIG, else the index's path with .toml: \
            Indexes/default.sqlite → Indexes/default.toml), then the default. A setting's key in the file is its long \
            flag with - as _, in its section: --chunk-tokens → [ingest] chunk_tokens, -k → [retrieval] k.
            """,
        subcommands: [Show.self])

    struct Show: ParsableCommand, SettingsCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Every setting's effective value and its source.")

        @OptionGroup var indexOptions: IndexOptions
        @OptionGroup var configOptions: ConfigOptions
        @Flag(help: "Print one JSON object.") var json = false

        var settingsIndexPath: String? { indexOptions.path }
        func validateSettings() throws {}

        struct Output: Encodable {
            var configFile: String?
            var settings: [Entry]
            struct Entry: Encodable {
                var key: String
                var value: SettingValue?
                var source: String

                func encode(to encoder: any Encoder) throws {
                    var c = encoder.container(keyedBy: CodingKeys.self)
                    try c.encode(key, forKey: .key)
                    // null, not absent, for a setting without a value.
                    try c.encode(value, forKey: .value)
                    try c.encode(source, forKey: .source)
                }
                enum CodingKeys: String, CodingKey { case key, value, source }
            }

            func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(configFile, forKey: .configFile)
                try c.encode(settings, forKey: .settings)
            }
            enum CodingKeys: String, CodingKey { case configFile = "config_file", settings }
        }

        func run() throws {
            let resolver = CLISettings.current
            let all = resolver.all()
            if json {
                try printJSON(Output(configFile: resolver.file?.path, settings: all.map {
                    .init(key: $0.definition.name, value: $0.value, source: $0.source.description)
                }))
                return
            }
            if let file = resolver.file {
                print("config file: \(file.path)")
            } else {
                let beside = SettingsResolver.configPath(besideIndex: indexOptions.path) ?? "-"
                print("config file: none (looked for \(beside))")
            }
            let width = all.map { $0.definition.name.count }.max() ?? 0
            let valueWidth = min(30, all.map { ($0.value?.description ?? "(unset)").count }.max() ?? 0)
            for s in all {
                let name = s.definition.name.padding(toLength: width, withPad: " ", startingAt: 0)
                let value = (s.value?.description ?? "(unset)")
                print("\(name)  \(value.padding(toLength: max(valueWidth, value.count), withPad: " ", startingAt: 0))  \(s.source)")
            }
        }
    }
}
