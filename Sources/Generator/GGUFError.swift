/// Errors of the Generator module: a GGUF file that cannot be used, bad generation parameters, a prompt that does not fit.
import RAGCore

/// One error type for the Generator module; `code` is stable, `message` names the file, field or value at fault.
public struct GeneratorError: RAGErrorConvertible {
    public let code: String
    public let message: String
    public let underlying: (any Error)?

    public init(_ code: String, _ message: String, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    static func gguf(_ path: String, _ what: String) -> GeneratorError {
        GeneratorError("invalid_model", "\(path): \(what)")
    }

    static func invalidParameter(_ field: String, _ what: String) -> GeneratorError {
        GeneratorError("invalid_parameter", "\(field): \(what)")
    }
}
