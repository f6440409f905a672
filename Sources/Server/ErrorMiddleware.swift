/// Turns every thrown error into the JSON error shape, so no route can answer with Hummingbird's own error body.
import Hummingbird
import Logging

struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Path → methods of every route, to tell "no such route" (404) from "wrong method" (405 with Allow).
    let routes: [String: [String]]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            var e = APIError.from(error)
            if e.status == .notFound && e.code == .notFound {
                if let methods = routes[request.uri.path] {
                    e = APIError(.methodNotAllowed, "\(request.uri.path) takes \(methods.joined(separator: ", ")), not \(request.method.rawValue)",
                                 headers: [.allow: methods.joined(separator: ", ")])
                } else {
                    e.message = "no route \(request.method.rawValue) \(request.uri.path)"
                }
            }
            if e.status.code >= 500 {
                // The log keeps the whole message; the client is not told where files live on this machine.
                context.logger.error("\(request.method) \(request.uri.path): \(e.code): \(e.message)")
                e.message = APIError.withoutDirectories(e.message)
            }
            return e.response
        }
    }
}
