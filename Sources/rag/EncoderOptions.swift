/// `--encoder`, `--encoder-model` and `--encoder-api-key`, shared by the commands that embed (ingest, search, ask,
/// eval, serve).
import ArgumentParser
import Backends
import Encoder
import Foundation
import RAGCore
import Settings

struct EncoderOptions: ParsableArguments {
    @Option(name: .customLong("encoder"), help: settingHelp(Setting.encoder)) var choiceFlag: String?
    @Option(name: .customLong("encoder-model"), help: settingHelp(Setting.encoderModel)) var encoderModelFlag: String?
    @Option(help: "Bearer key sent to openai: encoders (env RAG_ENCODER_API_KEY).") var encoderApiKey: String?

    var choice: String { CLISettings.string(Setting.encoder, choiceFlag) }
    var encoderModel: String { CLISettings.string(Setting.encoderModel, encoderModelFlag) }

    func validate() throws {
        do { _ = try EncoderChoice(parsing: choice) } catch let e as RAGError { throw ValidationError(e.message) }
        if encoderModel.isEmpty { throw ValidationError("--encoder-model must not be empty") }
    }

    var settings: LoadedEncoder.Settings {
        get throws {
            LoadedEncoder.Settings(choice: try EncoderChoice(parsing: choice), model: encoderModel,
                                   apiKey: encoderApiKey ?? ProcessInfo.processInfo.environment["RAG_ENCODER_API_KEY"].flatMap { $0.isEmpty ? nil : $0 })
        }
    }

    var isLocal: Bool { choice == "local" }

    /// The encoder for an index whose vectors are `indexModel`'s (the local encoder at the index's precision, or
    /// the servers, checked to compute the same vectors).
    func embedder(modelsDirectory: String, indexModel: String?, precision: EncoderPrecision? = nil,
                  replacing: Bool = false) throws -> any Embedder {
        let loaded = try LoadedEncoder.load(try settings, modelsDirectory: modelsDirectory,
                                            precision: precision ?? EncoderPrecision(modelID: indexModel),
                                            indexModel: indexModel, replacing: replacing)
        // A server that fails mid-run is taken out of the pool; the checks put it back when it answers again.
        loaded.remote?.pool.startHealthChecks()
        return loaded.embedder
    }
}
