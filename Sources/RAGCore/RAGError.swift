/// The error shape shared by every module: a stable machine code, a message naming the file/field/value at fault,
/// and the underlying cause. Modules throw their own error types conforming to `RAGErrorConvertible`.
public protocol RAGErrorConvertible: Error, CustomStringConvertible, Sendable {
    /// A stable identifier such as `parse_error` or `not_found`; used in JSON error bodies and exit handling.
    var code: String { get }
    /// A sentence for a person: which file or field, and what is wrong with it.
    var message: String { get }
}

extension RAGErrorConvertible {
    public var description: String { message }
}

/// A generic error for places that have no richer type of their own.
public struct RAGError: RAGErrorConvertible {
    public let code: String
    public let message: String
    public let underlying: (any Error)?

    public init(_ code: String, _ message: String, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }
}
