/// `--api-key`: every route but the health checks and the web page's files needs `Authorization: Bearer <key>`.
import Foundation
import Hummingbird

struct AuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let key: [UInt8]
    /// The health checks, and the web page's files (the page asks for the key; its API calls send it).
    static var open: Set<String> { Set(["/healthz", "/readyz"]).union(WebPageController.paths) }

    init(key: String) { self.key = Array(key.utf8) }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if Self.open.contains(request.uri.path) { return try await next(request, context) }
        let given = request.headers[.authorization].flatMap { h -> [UInt8]? in
            let parts = h.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
            return Array(parts[1].utf8)
        }
        guard let given, Self.equal(given, key) else {
            throw APIError(.unauthorized, request.headers[.authorization] == nil ? "this server needs an API key: send Authorization: Bearer <key>"
                                                                  : "the API key is wrong",
                           headers: [.wwwAuthenticate: "Bearer"])
        }
        return try await next(request, context)
    }

    /// Compares in time independent of where the keys differ.
    static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var diff = UInt8(a.count == b.count ? 0 : 1)
        for i in 0..<max(a.count, b.count) {
            diff |= (i < a.count ? a[i] : 0) ^ (i < b.count ? b[i] : 0)
        }
        return diff == 0
    }
}
