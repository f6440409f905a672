/// The Generator module's shorthand for a GGUF file that cannot be used (code `invalid_model`, naming the file).
import RAGCore

extension RAGError {
    static func gguf(_ path: String, _ what: String) -> RAGError {
        RAGError(.invalidModel, "\(path): \(what)")
    }
}
