/// `rag serve` in Hummingbird's shape: `buildApplication(configuration:)` assembles the router (middleware, then the
/// controllers) and the application, which listens at once and loads the models in the background (/readyz says
/// when it is done); `run` runs it. SIGTERM and SIGINT stop it gracefully: no new connections, in-flight requests
/// (streams included) run to their end, then the process exits.
import Foundation
import Hummingbird
import Logging
import Metrics
import NIOCore
import Prometheus

public enum RAGServer {
    /// Every route, read from the controllers' endpoint tables (docs/openapi.json documents the same list; a test
    /// checks the two agree).
    public static var routes: [(method: String, path: String)] {
        controllers(configuration: ServerConfiguration(indexPath: "", modelsDirectory: ""), state: ServiceState(),
                    registry: PrometheusCollectorRegistry()).flatMap(\.routes)
    }

    /// The route groups, each adding its own routes.
    static func controllers(configuration: ServerConfiguration, state: ServiceState,
                            registry: PrometheusCollectorRegistry) -> [any RouteController] {
        [
            WebPageController(),
            OpsController(state: state, registry: registry, apiKey: configuration.apiKey),
            SearchController(state: state, configuration: configuration),
            AskController(state: state, configuration: configuration),
            FeedbackController(state: state, configuration: configuration),
            IndexController(state: state, configuration: configuration),
            OpenAIController(state: state, configuration: configuration),
            MCPController(state: state, configuration: configuration),
        ]
    }

    /// The router: metrics, errors, the Host check, the API key and the JSON content type around every controller's
    /// routes (the Host check first, so a rebound page learns nothing, not even whether a key is needed).
    static func buildRouter(configuration: ServerConfiguration, state: ServiceState,
                            registry: PrometheusCollectorRegistry) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        let controllers = controllers(configuration: configuration, state: state, registry: registry)
        let methods = Dictionary(grouping: controllers.flatMap(\.routes), by: \.path).mapValues { $0.map(\.method) }
        router.add(middleware: RouteMetricsMiddleware())
        router.add(middleware: ErrorMiddleware(routes: methods))
        router.add(middleware: RequestDeadlineMiddleware(limit: configuration.requestTimeout))
        router.add(middleware: HostCheckMiddleware(allowedHosts: configuration.allowedHosts, bindHost: configuration.host))
        if let key = configuration.apiKey { router.add(middleware: AuthMiddleware(key: key)) }
        router.add(middleware: JSONContentTypeMiddleware())
        for controller in controllers { controller.addRoutes(to: router) }
        return router
    }

    /// The application, not yet running. `registry` is where the metrics go (the caller bootstraps the metrics
    /// system with it, once per process). `onListening` gets the bound address (port 0 picks a free one);
    /// `onReady` is called when the models and index are loaded, or with the error that stopped them.
    public static func buildApplication(configuration: ServerConfiguration, registry: PrometheusCollectorRegistry,
                                        onListening: @escaping @Sendable (String, Int) -> Void = { _, _ in },
                                        onReady: @escaping @Sendable ((any Error)?) -> Void = { _ in }) -> some ApplicationProtocol {
        let state = ServiceState()
        let router = buildRouter(configuration: configuration, state: state, registry: registry)
        var logger = Logger(label: "rag.serve")
        logger.logLevel = ProcessInfo.processInfo.environment["RAG_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        return Application(
            router: router,
            server: .http1(configuration: .init(idleTimeout: .nanoseconds(Int64(configuration.idleTimeout.seconds * 1e9)))),
            // Past `maxConnections` open connections, new ones wait in the listen backlog instead of being served.
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "rag",
                                 availableConnectionsDelegate: .maximum(configuration.maxConnections, logger: logger)),
            onServerRunning: { channel in
                onListening(configuration.host, channel.localAddress?.port ?? configuration.port)
                // Loading takes seconds; the server answers /healthz (and 503 on /readyz) meanwhile.
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
    }

    /// Runs the server until SIGTERM/SIGINT, with its metrics exported at /metrics.
    public static func run(configuration: ServerConfiguration,
                           onListening: @escaping @Sendable (String, Int) -> Void,
                           onReady: @escaping @Sendable ((any Error)?) -> Void) async throws {
        try configuration.validate()
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let app = buildApplication(configuration: configuration, registry: registry, onListening: onListening, onReady: onReady)
        try await app.runService()
    }
}
