/// The Tokenizers module's shorthands for a tokenizer whose files are missing or malformed.
import RAGCore

extension RAGError {
    static func missingFile(_ path: String) -> RAGError {
        RAGError(.modelMissing, "tokenizer file \(path) is missing or unreadable; run scripts/fetch-models")
    }

    static func invalid(_ path: String, _ why: String) -> RAGError {
        RAGError(.modelInvalid, "tokenizer file \(path) is invalid: \(why); run scripts/fetch-models")
    }
}
