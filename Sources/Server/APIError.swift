/// Every error the server returns: `{"error":{"code","message"}}` with the status its code maps to.
import Foundation
import HTTPTypes
import Hummingbird
import RAGCore

/// The server's HTTP-only error: a `RAGError.Code` (whose `httpStatus` is the status) plus response headers such
/// as `Retry-After` or `Allow`; Hummingbird's own HTTP errors keep the status they carry.
public struct APIError: Error, Sendable {
    public var status: HTTPResponse.Status
    public var code: RAGError.Code
    public var message: String
    public var headers: HTTPFields = [:]

    public init(_ code: RAGError.Code, _ message: String, headers: HTTPFields = [:]) {
        self.init(status: HTTPResponse.Status(code: code.httpStatus), code: code, message: message, headers: headers)
    }

    private init(status: HTTPResponse.Status, code: RAGError.Code, message: String, headers: HTTPFields) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    static func invalid(_ field: String, _ problem: String) -> APIError {
        APIError(.invalidField, "\(field): \(problem)")
    }

    /// Any error as an API error (Hummingbird's HTTP errors, the modules' `RAGError`s, the rest as 500).
    static func from(_ error: any Error) -> APIError {
        switch error {
        case let e as APIError:
            return e
        case let e as any HTTPResponseError:
            let code: RAGError.Code
            switch e.status {
            case .notFound: code = .notFound
            case .methodNotAllowed: code = .methodNotAllowed
            case .contentTooLarge: code = .bodyTooLarge
            case .badRequest: code = .badRequest
            default: code = .httpError
            }
            let body = (e as? HTTPError)?.body
            let message = body ?? (e.status == .notFound ? "no such route" : e.status == .methodNotAllowed
                ? "this route does not take that method" : e.status.reasonPhrase)
            return APIError(status: e.status, code: code, message: message, headers: (e as? HTTPError)?.headers ?? [:])
        case let e as RAGError:
            // Busy is temporary: say when to come back, as the queue's own 503 does.
            let retry: HTTPFields = e.code.httpStatus == 503 ? [.retryAfter: "1"] : [:]
            return APIError(e.code, e.message, headers: retry)
        case is CancellationError:
            return APIError(.cancelled, "the request was cancelled")
        default:
            return APIError(.internalError, "\(error)")
        }
    }

    var jsonBody: [UInt8] {
        let o: [String: Any] = ["error": ["code": code.rawValue, "message": message]]
        return Array((try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data())
    }

    var response: Response {
        var h = headers
        h[.contentType] = "application/json"
        return Response(status: status, headers: h, body: .init(byteBuffer: ByteBuffer(bytes: jsonBody)))
    }
}
