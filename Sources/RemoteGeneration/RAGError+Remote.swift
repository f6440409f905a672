/// The remote generation layer's reading of an error: whether a retry on another connection may cure it.
import RAGCore

extension RAGError {
    /// `connection_failed` is the one failure a retry may cure.
    public var isConnectionFailure: Bool { code == .connectionFailed }
}
