/// What `rag serve` was told: where to listen, what to serve, and the limits.
import RAGCore
import Foundation
import Retrieval

public struct ServerConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// Required as `Authorization: Bearer …` on every route but /healthz and /readyz when set.
    public var apiKey: String?
    public var maxBodyBytes = 1 << 20
    /// Longest a request may take (a streamed answer included).
    public var requestTimeout: Duration = .seconds(120)
    /// Idle keep-alive connections are closed after this.
    public var idleTimeout: Duration = .seconds(60)
    public var maxConcurrentGenerations = 1
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
    public var contextLength = 2048
    public var threads: Int?
    public var healthCheckInterval: Duration = .seconds(2)
    public var backendReadTimeout: Duration = .seconds(60)
    public var backendConnectTimeout: Duration = .seconds(2)

    public init(indexPath: String, modelsDirectory: String) {
        self.indexPath = indexPath
        self.modelsDirectory = modelsDirectory
    }
}

/// `--generator local` or `--generator openai:URL[,URL…]`.
public enum GeneratorChoice: Sendable, Equatable, CustomStringConvertible {
    case local
    case openAI([String])

    public init(parsing s: String) throws {
        if s == "local" { self = .local; return }
        guard s.hasPrefix("openai:") else {
            throw RAGError(.invalidGenerator, "--generator: expected local or openai:URL[,URL…], got \(s)")
        }
        let urls = s.dropFirst("openai:".count).split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        guard !urls.isEmpty, urls.allSatisfy({ !$0.isEmpty }) else {
            throw RAGError(.invalidGenerator, "--generator: openai: needs at least one URL")
        }
        self = .openAI(urls)
    }

    public var description: String {
        switch self {
        case .local: "local"
        case .openAI(let urls): "openai:" + urls.joined(separator: ",")
        }
    }
}
