/// Finds the model files under the models folder and builds the tokenizer and encoder, with errors that say
/// how to get the files.
import Backends
import Foundation
import RAGCore
import Encoder
import Tokenizers

struct ModelLoader {
    let directory: String

    init(directory: String) throws {
        self.directory = directory
    }

    var encoderDirectory: URL { URL(fileURLWithPath: directory).appendingPathComponent("minilm") }

    func requireEncoderFiles() throws {
        let vocab = encoderDirectory.appendingPathComponent("vocab.txt").path
        guard FileManager.default.fileExists(atPath: vocab) else {
            throw RAGError(.modelMissing, "encoder files not found in \(encoderDirectory.path) (no vocab.txt): run scripts/fetch-models")
        }
    }

    func encoder(precision: EncoderPrecision = .fp32) throws -> MiniLMEncoder {
        try requireEncoderFiles()
        return try MiniLMEncoder(directory: encoderDirectory, precision: precision)
    }

    func wordPiece() throws -> WordPieceTokenizer {
        try requireEncoderFiles()
        return try WordPieceTokenizer(directory: encoderDirectory)
    }
}

/// Where the generator's GGUF file lives under the models folder.
enum GeneratorModel {
    static let fileName = LoadedGenerator.localModelFile

    static func path(_ modelsDir: String) -> String {
        URL(fileURLWithPath: modelsDir).appendingPathComponent(fileName).path
    }
}
