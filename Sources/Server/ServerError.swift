import RAGCore

/// The server module's own errors (start-up and configuration).
public struct ServerError: RAGErrorConvertible {
    public let code: String
    public let message: String
    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }
}
