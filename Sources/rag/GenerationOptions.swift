/// Generation flags shared by `ask` and `generate`, named as the JSON fields, with the answer defaults
/// (`[answer]` settings of `rag.toml`).
import ArgumentParser
import Foundation
import RAGCore
import Settings

struct GenerationOptions: ParsableArguments {
    @Option(name: .customLong("temperature"), help: settingHelp(Setting.temperature)) var temperatureFlag: Double?
    @Option(name: .customLong("top-k"), help: settingHelp(Setting.topK)) var topKFlag: Int?
    @Option(name: .customLong("top-p"), help: settingHelp(Setting.topP)) var topPFlag: Double?
    @Option(name: .customLong("min-p"), help: settingHelp(Setting.minP)) var minPFlag: Double?
    @Option(name: .customLong("repeat-penalty"), help: settingHelp(Setting.repeatPenalty)) var repeatPenaltyFlag: Double?
    @Option(name: .customLong("max-tokens"), help: settingHelp(Setting.maxTokens)) var maxTokensFlag: Int?
    @Option(name: .customLong("stop"), help: settingHelp(Setting.stop)) var stopFlag: [String] = []
    @Option(name: .customLong("seed"), help: settingHelp(Setting.seed)) var seedFlag: UInt64?

    var temperature: Double { CLISettings.double(Setting.temperature, temperatureFlag) }
    var topK: Int { CLISettings.int(Setting.topK, topKFlag) }
    var topP: Double { CLISettings.double(Setting.topP, topPFlag) }
    var minP: Double { CLISettings.double(Setting.minP, minPFlag) }
    var repeatPenalty: Double { CLISettings.double(Setting.repeatPenalty, repeatPenaltyFlag) }
    var maxTokens: Int { CLISettings.int(Setting.maxTokens, maxTokensFlag) }
    var stop: [String] { CLISettings.strings(Setting.stop, stopFlag) }
    /// A seed above Int.max is only possible as a flag; from the environment or the file it is an integer ≥ 0.
    var seed: UInt64? { seedFlag ?? CLISettings.current.int(Setting.seed, flag: nil).map { UInt64($0) } }

    /// The flags as one validated value; errors (`invalid_field`, exit status 2) name the flag and value.
    func parameters(contextLength: Int) throws -> GenerationParameters {
        do {
            return try GenerationParameters(temperature: temperature, topK: topK, topP: topP, minP: minP, repeatPenalty: repeatPenalty,
                                            maxTokens: maxTokens, stop: stop, seed: seed, contextLength: contextLength)
        } catch let e as RAGError {
            // The value type names its JSON field (`top_p: …`); on the command line the user typed `--top-p`.
            guard let colon = e.message.firstIndex(of: ":"), !e.message[..<colon].contains(" ") else { throw e }
            let flag = "--" + e.message[..<colon].replacingOccurrences(of: "_", with: "-")
            throw RAGError(e.code, flag + e.message[colon...], underlying: e)
        }
    }
}
