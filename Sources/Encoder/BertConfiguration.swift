/// The BERT architecture as `config.json` describes it, plus the sentence-transformers pooling and normalisation
/// modules (`modules.json`, `1_Pooling/config.json`).
import RAGCore
import Foundation

public struct BertConfiguration: Sendable, Equatable {
    public var hiddenSize: Int
    public var layers: Int
    public var heads: Int
    public var intermediateSize: Int
    public var maxPositions: Int
    public var typeVocabularySize: Int
    public var vocabularySize: Int
    public var layerNormEps: Float

    public var headDim: Int { hiddenSize / heads }

    public init(directory: URL) throws {
        let url = directory.appendingPathComponent("config.json")
        let json = try readJSONObject(url)
        func int(_ key: String) throws -> Int {
            guard let n = (json[key] as? NSNumber)?.intValue, n > 0 else {
                throw RAGError.corrupt(url.path, "\(key) is missing or not a positive integer")
            }
            return n
        }
        hiddenSize = try int("hidden_size")
        layers = try int("num_hidden_layers")
        heads = try int("num_attention_heads")
        intermediateSize = try int("intermediate_size")
        maxPositions = try int("max_position_embeddings")
        typeVocabularySize = try int("type_vocab_size")
        vocabularySize = try int("vocab_size")
        layerNormEps = (json["layer_norm_eps"] as? NSNumber)?.floatValue ?? 1e-12
        guard hiddenSize % heads == 0 else {
            throw RAGError.unsupported(url.path, "hidden_size \(hiddenSize) is not a multiple of \(heads) heads")
        }
        let act = json["hidden_act"] as? String ?? "gelu"
        guard act == "gelu" else { throw RAGError.unsupported(url.path, "hidden_act \(act) (only gelu is built)") }
        let position = json["position_embedding_type"] as? String ?? "absolute"
        guard position == "absolute" else {
            throw RAGError.unsupported(url.path, "position_embedding_type \(position) (only absolute is built)")
        }
    }
}

/// How token vectors become one text vector.
public struct PoolingConfiguration: Sendable, Equatable {
    public enum Mode: String, Sendable { case mean, cls, max, meanSqrtLength }
    public var mode: Mode
    public var normalize: Bool

    public init(mode: Mode = .mean, normalize: Bool = true) {
        self.mode = mode
        self.normalize = normalize
    }

    /// Reads modules.json; without it, mean pooling and L2 normalisation (all-MiniLM-L6-v2's).
    public init(directory: URL) throws {
        let modulesURL = directory.appendingPathComponent("modules.json")
        guard let data = FileManager.default.contents(atPath: modulesURL.path) else {
            self.init()
            return
        }
        guard let modules = (try? JSONSerialization.jsonObject(with: data)) as? [[String: Any]] else {
            throw RAGError.corrupt(modulesURL.path, "not a JSON array of modules")
        }
        var mode = Mode.mean
        var normalize = false
        for module in modules {
            let type = module["type"] as? String ?? ""
            if type.hasSuffix(".Pooling") {
                let path = module["path"] as? String ?? "1_Pooling"
                let poolingURL = directory.appendingPathComponent(path).appendingPathComponent("config.json")
                let json = try readJSONObject(poolingURL)
                if json["pooling_mode_mean_tokens"] as? Bool == true { mode = .mean }
                else if json["pooling_mode_cls_token"] as? Bool == true { mode = .cls }
                else if json["pooling_mode_max_tokens"] as? Bool == true { mode = .max }
                else if json["pooling_mode_mean_sqrt_len_tokens"] as? Bool == true { mode = .meanSqrtLength }
                else { throw RAGError.unsupported(poolingURL.path, "no pooling mode this encoder implements is on") }
            } else if type.hasSuffix(".Normalize") {
                normalize = true
            } else if !type.hasSuffix(".Transformer") {
                throw RAGError.unsupported(modulesURL.path, "module \(type) is not implemented")
            }
        }
        self.init(mode: mode, normalize: normalize)
    }
}

func readJSONObject(_ url: URL) throws -> [String: Any] {
    guard let data = FileManager.default.contents(atPath: url.path) else { throw RAGError.missing(url.path) }
    guard let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
        throw RAGError.corrupt(url.path, "not a JSON object")
    }
    return json
}
