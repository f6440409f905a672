/// Every POST carries JSON and must say so: the defence against cross-site form and `text/plain` posts.
///
/// A browser sends a cross-site POST with `Content-Type: text/plain` (or a form type) without asking the server
/// first; `application/json` needs a CORS preflight, which this server never grants. Refusing other types means a
/// web page cannot make a visitor's browser post to a local `rag serve` at all.
import Foundation
import Hummingbird

struct JSONContentTypeMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .post else { return try await next(request, context) }
        let type = request.headers[.contentType] ?? ""
        let mediaType = type.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        guard mediaType == "application/json" else {
            throw APIError(.unsupportedMediaType, type.isEmpty ? "send the body as JSON with Content-Type: application/json"
                                        : "Content-Type \(type.prefix(100)) is not accepted: send JSON with Content-Type: application/json")
        }
        return try await next(request, context)
    }
}
