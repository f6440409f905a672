/// Turns every thrown error into the JSON error shape, so no route can answer with Hummingbird's own error body.
import Hummingbird
import Logging

struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let e = APIError.from(error)
            if e.status.code >= 500 {
                context.logger.error("\(request.method) \(request.uri.path): \(e.code): \(e.message)")
            }
            return e.response
        }
    }
}
