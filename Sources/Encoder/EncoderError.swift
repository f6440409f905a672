/// Errors of the Encoder module: model files missing, truncated, corrupt or not the architecture expected.
import RAGCore

public struct EncoderError: RAGErrorConvertible {
    public let code: String
    public let message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    static let fix = "run scripts/fetch-models"

    static func missing(_ path: String) -> EncoderError {
        EncoderError(code: "model_missing", message: "model file \(path) is missing or unreadable; \(fix)")
    }

    static func corrupt(_ path: String, _ why: String) -> EncoderError {
        EncoderError(code: "model_corrupt", message: "model file \(path) is corrupt or truncated: \(why); \(fix)")
    }

    static func tensor(_ path: String, _ name: String, _ why: String) -> EncoderError {
        EncoderError(code: "model_tensor", message: "model file \(path), tensor \(name): \(why); \(fix)")
    }

    static func unsupported(_ path: String, _ why: String) -> EncoderError {
        EncoderError(code: "model_unsupported", message: "model \(path): \(why)")
    }
}
