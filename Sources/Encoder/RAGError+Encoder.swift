/// The Encoder module's shorthands for model files missing, truncated, corrupt or not the architecture expected.
import RAGCore

extension RAGError {
    static let fetchModelsHint = "run scripts/fetch-models"

    static func missing(_ path: String) -> RAGError {
        RAGError(.modelMissing, "model file \(path) is missing or unreadable; \(fetchModelsHint)")
    }

    static func corrupt(_ path: String, _ why: String) -> RAGError {
        RAGError(.modelCorrupt, "model file \(path) is corrupt or truncated: \(why); \(fetchModelsHint)")
    }

    static func tensor(_ path: String, _ name: String, _ why: String) -> RAGError {
        RAGError(.modelTensor, "model file \(path), tensor \(name): \(why); \(fetchModelsHint)")
    }

    static func unsupported(_ path: String, _ why: String) -> RAGError {
        RAGError(.modelUnsupported, "model \(path): \(why)")
    }
}
