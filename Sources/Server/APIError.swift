/// Every error the server returns: `{"error":{"code","message"}}` with the status that fits the code.
import Foundation
import HTTPTypes
import Hummingbird
import RAGCore

public struct APIError: Error, Sendable {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    static func invalid(_ field: String, _ problem: String) -> APIError {
        APIError(.badRequest, "invalid_field", "\(field): \(problem)")
    }

    /// The status for an error code of the lower layers (RAGErrorConvertible).
    static func status(forCode code: String) -> HTTPResponse.Status {
        switch code {
        case "answer_not_found", "not_found", "model_not_found": return .notFound
        case "busy", "not_ready": return .serviceUnavailable
        case "timeout", "backend_timeout": return .gatewayTimeout
        case "no_backend", "backend_error", "backend_rejected", "connection_failed": return .badGateway
        case "model_missing", "encoder_missing": return .serviceUnavailable
        case "prompt_too_long", "context_overflow", "no_vectors", "encoder_mismatch", "invalid_question", "no_generator",
             "bad_template", "template_not_found":
            return .badRequest
        default:
            return code.hasPrefix("invalid_") ? .badRequest : .internalServerError
        }
    }

    /// Any error as an API error (Hummingbird's HTTP errors, the modules' coded errors, the rest as 500).
    static func from(_ error: any Error) -> APIError {
        switch error {
        case let e as APIError:
            return e
        case let e as any HTTPResponseError:
            let code: String
            switch e.status {
            case .notFound: code = "not_found"
            case .methodNotAllowed: code = "method_not_allowed"
            case .contentTooLarge: code = "body_too_large"
            case .badRequest: code = "bad_request"
            default: code = "http_error"
            }
            let body = (e as? HTTPError)?.body
            let message = body ?? (e.status == .notFound ? "no such route" : e.status == .methodNotAllowed
                ? "this route does not take that method" : e.status.reasonPhrase)
            return APIError(e.status, code, message, headers: (e as? HTTPError)?.headers ?? [:])
        case let e as any RAGErrorConvertible:
            return APIError(status(forCode: e.code), e.code, e.message)
        case is CancellationError:
            return APIError(.serviceUnavailable, "cancelled", "the request was cancelled")
        default:
            return APIError(.internalServerError, "internal_error", "\(error)")
        }
    }

    var jsonBody: [UInt8] {
        let o: [String: Any] = ["error": ["code": code, "message": message]]
        return Array((try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data())
    }

    var response: Response {
        var h = headers
        h[.contentType] = "application/json"
        return Response(status: status, headers: h, body: .init(byteBuffer: ByteBuffer(bytes: jsonBody)))
    }
}
