/// Answers only requests addressed to this server by name: the defence against DNS rebinding.
///
/// A web page on another site can make a browser send requests to 127.0.0.1 under the attacker's host name
/// (`rebind.attacker.example` resolving to 127.0.0.1); the browser then lets the page read the answers. The `Host`
/// header still carries the attacker's name, so refusing every name but loopback ones and those the operator
/// allowed (`--allowed-host`) closes that door, as llama.cpp's and Jupyter's servers do.
import Hummingbird

struct HostCheckMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Lower-cased host names (no port) allowed besides loopback ones; "*" allows any.
    let allowed: Set<String>
    /// Liveness needs no name: load balancers probe by address.
    static var open: Set<String> { ["/healthz"] }

    init(allowedHosts: [String], bindHost: String) {
        var names = Set(allowedHosts.map { $0.lowercased() })
        if !["0.0.0.0", "::", "[::]"].contains(bindHost) { names.insert(Self.hostName(bindHost.lowercased())) }
        allowed = names
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if Self.open.contains(request.uri.path) || allowed.contains("*") { return try await next(request, context) }
        // HTTP/1.0 clients may send no Host; a browser always sends one, so a missing header is no rebinding.
        guard let header = request.head.authority else { return try await next(request, context) }
        let name = Self.hostName(header.lowercased())
        guard Self.isLoopback(name) || allowed.contains(name) else {
            throw APIError(.hostNotAllowed, "Host \(header.prefix(200)) is not allowed: rag serve answers to loopback names and --allowed-host names only")
        }
        return try await next(request, context)
    }

    /// "example.org:8080" → "example.org", "[::1]:8080" → "::1".
    static func hostName(_ authority: String) -> String {
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return authority }
            return String(authority[authority.index(after: authority.startIndex)..<close])
        }
        if let colon = authority.lastIndex(of: ":"), authority.firstIndex(of: ":") == colon {
            return String(authority[..<colon])
        }
        return authority
    }

    static func isLoopback(_ name: String) -> Bool {
        if name == "localhost" || name.hasSuffix(".localhost") || name == "::1" { return true }
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }
}
