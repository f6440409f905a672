/// A group of routes in Hummingbird's controller shape: its endpoint table is the one list that both registers the
/// routes (`addRoutes(to:)`) and names them (`RAGServer.routes`, which docs/openapi.json is checked against).
import HTTPTypes
import Hummingbird

/// One route of a controller: method, path and the handler that serves it.
struct Endpoint<Controller: Sendable>: Sendable {
    let method: HTTPRequest.Method
    let path: String
    let handler: @Sendable (Controller, Request) async throws -> Response

    init(_ method: HTTPRequest.Method, _ path: String, _ handler: @escaping @Sendable (Controller, Request) async throws -> Response) {
        self.method = method
        self.path = path
        self.handler = handler
    }
}

protocol RouteController: Sendable {
    static var endpoints: [Endpoint<Self>] { get }
}

extension RouteController {
    func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        for endpoint in Self.endpoints {
            router.on(RouterPath(endpoint.path), method: endpoint.method) { request, _ in try await endpoint.handler(self, request) }
        }
    }

    var routes: [(method: String, path: String)] { Self.endpoints.map { ($0.method.rawValue, $0.path) } }
}
