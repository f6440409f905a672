/// `rag serve`: the router, the middleware (metrics, errors, API key) and the application, which listens at once
/// and loads the models in the background (/readyz says when it is done). SIGTERM and SIGINT stop it gracefully:
/// no new connections, in-flight requests (streams included) run to their end, then the process exits.
import Foundation
import Hummingbird
import Logging
import Metrics
import NIOCore
import Prometheus

public enum RAGServer {
    /// Every route (docs/openapi.json documents the same list; a test checks the two agree).
    public static let routes: [(method: String, path: String)] = [
        ("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/metrics"), ("POST", "/v1/search"), ("POST", "/v1/embeddings"),
        ("POST", "/v1/ask"), ("POST", "/v1/feedback"), ("POST", "/v1/chat/completions"), ("POST", "/v1/completions"),
        ("GET", "/v1/models"),
    ]

    /// Builds the router. `registry` is where the metrics go (bootstrapped by `run`).
    static func buildRouter(configuration: ServerConfiguration, state: ServiceState,
                            registry: PrometheusCollectorRegistry) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: RouteMetricsMiddleware())
        router.add(middleware: ErrorMiddleware(routes: Dictionary(grouping: routes, by: \.path).mapValues { $0.map(\.method) }))
        router.add(middleware: HostCheckMiddleware(allowedHosts: configuration.allowedHosts, bindHost: configuration.host))
        if let key = configuration.apiKey { router.add(middleware: AuthMiddleware(key: key)) }
        router.add(middleware: JSONContentTypeMiddleware())

        let ops = OpsRoutes(state: state, registry: registry)
        let search = SearchRoutes(state: state, configuration: configuration)
        let ask = AskRoutes(state: state, configuration: configuration)
        let openAI = OpenAIRoutes(state: state, configuration: configuration)
        router.get("/healthz") { r, _ in try await ops.healthz(r) }
        router.get("/readyz") { r, _ in try await ops.readyz(r) }
        router.get("/metrics") { r, _ in try await ops.metrics(r) }
        router.post("/v1/search") { r, _ in try await search.search(r) }
        router.post("/v1/embeddings") { r, _ in try await search.embeddings(r) }
        router.post("/v1/ask") { r, _ in try await ask.ask(r) }
        router.post("/v1/feedback") { r, _ in try await ask.feedback(r) }
        router.post("/v1/chat/completions") { r, _ in try await openAI.chatCompletions(r) }
        router.post("/v1/completions") { r, _ in try await openAI.completions(r) }
        router.get("/v1/models") { r, _ in try await openAI.models(r) }
        return router
    }

    /// Runs the server until SIGTERM/SIGINT. `onListening` gets the bound address (port 0 picks a free one);
    /// `onReady` is called when the models and index are loaded, or with the error that stopped them.
    public static func run(configuration: ServerConfiguration,
                           onListening: @escaping @Sendable (String, Int) -> Void,
                           onReady: @escaping @Sendable ((any Error)?) -> Void) async throws {
        try configuration.validate()
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let state = ServiceState()
        let router = buildRouter(configuration: configuration, state: state, registry: registry)
        var logger = Logger(label: "rag.serve")
        logger.logLevel = ProcessInfo.processInfo.environment["RAG_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        let idle = configuration.idleTimeout
        let app = Application(
            router: router,
            server: .http1(configuration: .init(idleTimeout: .nanoseconds(Int64(idle.seconds * 1e9)))),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "rag"),
            onServerRunning: { channel in
                onListening(configuration.host, channel.localAddress?.port ?? configuration.port)
                Thread.detachNewThread {
                    do {
                        state.set(try Services(configuration: configuration))
                        onReady(nil)
                    } catch {
                        state.fail("\(error)")
                        onReady(error)
                    }
                }
            },
            logger: logger)
        try await app.runService()
    }
}
