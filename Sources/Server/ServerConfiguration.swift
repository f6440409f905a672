/// What `rag serve` was told: where to listen, what to serve, and the limits.
import Adaptation
import Generator
import Backends
import Foundation
import RAGCore
import Store
import Retrieval

public struct ServerConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// Required as `Authorization: Bearer …` on every route but /healthz and /readyz when set.
    public var apiKey: String?
    /// Host names (besides loopback ones and the bind address) that requests may be addressed to; "*" allows any.
    public var allowedHosts: [String] = []
    /// Serve on a non-loopback address without an API key (refused otherwise).
    public var insecureNoAuth = false
    /// Limits on the query log, feedback and answer cache, applied at start-up and then every `retentionInterval`.
    public var retention = Retention()
    public var retentionInterval: Duration = .seconds(600)
    public var maxBodyBytes = 1 << 20
    /// Open connections served at once; more wait to be accepted (each costs memory and a file descriptor).
    public var maxConnections = 512
    /// Longest a request may take (a streamed answer included).
    public var requestTimeout: Duration = .seconds(120)
    /// Idle keep-alive connections are closed after this.
    public var idleTimeout: Duration = .seconds(60)
    /// Generations running at once; nil: the local generator's slot count (`parallel`), 4 per openai: backend.
    public var maxConcurrentGenerations: Int?
    /// Local generator slots: sequences decoded together in one pass over the weights.
    public var parallel = LocalGenerator.defaultParallel
    /// Generations that may wait for a free slot; more get 503 with Retry-After.
    public var maxQueuedGenerations = 8
    public var indexPath: String
    public var modelsDirectory: String
    public var defaultMode: RetrievalMode = .hybrid
    public var defaultK = 5
    public var template: String?
    public var generator: GeneratorChoice = .local
    /// The `model` name sent to OpenAI-compatible backends.
    public var backendModel = "smollm2-135m-instruct"
    public var backendAPIKey: String?
    /// The local encoder, or OpenAI-compatible embeddings servers (`--encoder openai:…`) for queries and /v1/embeddings.
    public var encoder = LoadedEncoder.Settings()
    /// How queries are embedded: the full or distilled query encoder, with or without the index's adapter.
    public var queryEncoding = QueryEncoding()
    public var contextLength = 2048
    public var threads: Int?
    public var healthCheckInterval: Duration = .seconds(2)
    public var backendReadTimeout: Duration = .seconds(60)
    public var backendConnectTimeout: Duration = .seconds(2)

    public init(indexPath: String, modelsDirectory: String) {
        self.indexPath = indexPath
        self.modelsDirectory = modelsDirectory
    }

    /// True for 127.0.0.0/8, ::1 and localhost: addresses other machines cannot reach.
    public var bindsLoopbackOnly: Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }

    /// Refuses settings that would expose the index: a non-loopback bind without an API key.
    public func validate() throws {
        if !bindsLoopbackOnly && apiKey == nil && !insecureNoAuth {
            throw RAGError(.insecureBind, "--host \(host): serving beyond this machine needs --api-key (or RAG_API_KEY); --insecure-no-auth serves without one")
        }
    }
}
