/// Errors of the Tokenizers module: a tokenizer's files are missing or malformed.
import RAGCore

public struct TokenizerError: RAGErrorConvertible {
    public let code: String
    public let message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    static func missingFile(_ path: String) -> TokenizerError {
        TokenizerError(code: "model_missing",
                       message: "tokenizer file \(path) is missing or unreadable; run scripts/fetch-models")
    }

    static func invalid(_ path: String, _ why: String) -> TokenizerError {
        TokenizerError(code: "model_invalid", message: "tokenizer file \(path) is invalid: \(why); run scripts/fetch-models")
    }
}
