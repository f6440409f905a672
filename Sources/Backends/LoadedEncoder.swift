/// Builds the encoder a command embeds with: the local MiniLM model, or a pool of OpenAI-compatible embeddings
/// servers probed against the local model when its files are here, and checked against the vectors the index holds.
import Encoder
import Foundation
import RAGCore
import RemoteGeneration

public struct LoadedEncoder: Sendable {
    public let embedder: any Embedder
    /// Set when the embedder is the remote pool (its health checks, its status).
    public let remote: RemoteEmbedder?

    /// `--encoder`, `--encoder-model`, `--encoder-api-key` and the HTTP timeouts, as one value.
    public struct Settings: Sendable {
        public var choice: EncoderChoice = .local
        /// The `model` sent to openai: servers; their replies must name it too.
        public var model = "all-minilm-l6-v2"
        public var apiKey: String?
        public var connectTimeout: Duration = .seconds(2)
        public var readTimeout: Duration = .seconds(120)
        public init(choice: EncoderChoice = .local, model: String = "all-minilm-l6-v2", apiKey: String? = nil) {
            self.choice = choice
            self.model = model
            self.apiKey = apiKey
        }
    }

    /// The local encoder's folder under the models folder.
    public static func localDirectory(_ modelsDirectory: String) -> URL {
        URL(fileURLWithPath: modelsDirectory).appendingPathComponent("minilm")
    }

    public static func localFilesPresent(_ modelsDirectory: String) -> Bool {
        FileManager.default.fileExists(atPath: localDirectory(modelsDirectory).appendingPathComponent("vocab.txt").path)
    }

    /// The weights as well as the tokenizer: what the probe needs. A machine that only ingests through remote
    /// encoders may keep the tokenizer files alone (chunks are sized with them).
    public static func localWeightsPresent(_ modelsDirectory: String) -> Bool {
        localFilesPresent(modelsDirectory)
            && FileManager.default.fileExists(atPath: localDirectory(modelsDirectory).appendingPathComponent("model.safetensors").path)
    }

    /// The local encoder at `precision`, with an error that says how to get its files.
    public static func local(modelsDirectory: String, precision: EncoderPrecision) throws -> MiniLMEncoder {
        let dir = localDirectory(modelsDirectory)
        guard localFilesPresent(modelsDirectory) else {
            throw RAGError(.modelMissing, "encoder files not found in \(dir.path) (no vocab.txt): run scripts/fetch-models")
        }
        return try MiniLMEncoder(directory: dir, precision: precision)
    }

    /// - Parameters:
    ///   - precision: the local encoder's precision (the index's, or `rag ingest --encoder-precision`).
    ///   - indexModel: the index's `embedding_model` (nil: it has no vectors yet).
    ///   - replacing: the caller replaces the index's vectors (`--reembed`), so another model is allowed.
    /// - Throws: `encoder_mismatch` when remote vectors cannot join the index's (not shown to be the same model).
    public static func load(_ settings: Settings, modelsDirectory: String, precision: EncoderPrecision,
                            indexModel: String?, replacing: Bool = false) throws -> LoadedEncoder {
        switch settings.choice {
        case .local:
            return LoadedEncoder(embedder: try local(modelsDirectory: modelsDirectory, precision: precision), remote: nil)
        case .openAI(let urls):
            let localEncoder = localWeightsPresent(modelsDirectory) ? try local(modelsDirectory: modelsDirectory, precision: precision) : nil
            let client = HTTPClient(connectTimeout: settings.connectTimeout, readTimeout: settings.readTimeout)
            var remote = try RemoteEmbedder.connectBlocking(urls: urls, model: settings.model, apiKey: settings.apiKey,
                                                            local: localEncoder, client: client)
            // An index embedded by servers of this model without a check against the local encoder recorded their
            // name; servers naming the same model (checked by the probe) go on with it, verified or not.
            if indexModel == RemoteEmbedder.unverifiedModelID(settings.model) && remote.modelID != indexModel {
                remote = remote.with(modelID: indexModel!)
            }
            if let indexModel, indexModel != remote.modelID, !replacing {
                let why: String
                if let c = remote.probeCosine {
                    why = "they compute other vectors than the local encoder (cosine \(String(format: "%.4f", c)) on a probe text, below \(RemoteEmbedder.minimumProbeCosine))"
                } else if localEncoder == nil {
                    why = "the local encoder's weights are not in \(localDirectory(modelsDirectory).path) to check their vectors against, so they count as model \(remote.modelID)"
                } else {
                    why = "their vectors have \(remote.dimension) numbers, the local encoder's \(localEncoder!.dimension)"
                }
                throw RAGError(.encoderMismatch, """
                    the encoder servers (\(urls.joined(separator: ", "))) cannot add to an index embedded with \(indexModel): \
                    \(why); re-ingest with --reembed to replace the index's vectors, or use another --index
                    """)
            }
            return LoadedEncoder(embedder: remote, remote: remote)
        }
    }
}
