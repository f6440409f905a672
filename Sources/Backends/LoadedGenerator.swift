/// Builds the generator `rag ask` and `rag serve` use: the local GGUF model, or a pool of OpenAI-compatible servers.
import Foundation
import Generator
import RAGCore
import RemoteGeneration
import Tokenizers

public struct LoadedGenerator: Sendable {
    public let backend: any GenerationBackend
    /// The prompt's token count as the generator sees it (context packing must never overflow).
    public let countTokens: @Sendable (GenerationPrompt) -> Int
    /// Identifies the generator in answer-cache keys and /v1/models.
    public let name: String
    public let local: LocalGenerator?
    public let pool: BackendPool?

    public static let localModelFile = "smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
    public static let localModelName = "smollm2-135m-instruct"

    public static func load(_ choice: GeneratorChoice, modelsDirectory: String, contextLength: Int, threads: Int? = nil,
                            parallel: Int = LocalGenerator.defaultParallel,
                            backendModel: String = localModelName, backendAPIKey: String? = nil, prefixCache: Bool = true,
                            connectTimeout: Duration = .seconds(2), readTimeout: Duration = .seconds(60)) throws -> LoadedGenerator {
        let modelPath = URL(fileURLWithPath: modelsDirectory).appendingPathComponent(localModelFile).path
        switch choice {
        case .local:
            let g = try LocalGenerator(modelPath: modelPath, threads: threads, contextLength: contextLength, prefixCache: prefixCache, parallel: parallel)
            return LoadedGenerator(backend: g, countTokens: { g.promptTokens($0).count }, name: localModelName, local: g, pool: nil)
        case .openAI(let urls):
            let client = HTTPClient(connectTimeout: connectTimeout, readTimeout: readTimeout)
            let backends = try urls.map {
                try OpenAIBackend(url: $0, model: backendModel, contextLength: contextLength, client: client, apiKey: backendAPIKey)
            }
            let pool = try BackendPool(backends: backends)
            // Backends serving the model we have locally get its chat template applied here, so the answer engine
            // can prime the answer as it does locally (the raw text goes to /v1/completions).
            var backend: any GenerationBackend = pool
            if backendModel == localModelName, FileManager.default.fileExists(atPath: modelPath) {
                let template = try ChatMLTemplate(gguf: try GGUFFile(path: modelPath))
                backend = TemplatedBackend(base: pool, template: template)
            }
            return LoadedGenerator(backend: backend, countTokens: try Self.tokenCounter(modelPath: modelPath),
                                   name: "openai:\(backendModel)", local: nil, pool: pool)
        }
    }

    /// A remote model's prompt length, counted with the local GGUF's tokenizer when the file is there (the usual
    /// case: the same model served elsewhere), else estimated at 3 bytes a token (BPE averages nearer 4 on
    /// English, so the estimate errs towards leaving room).
    static func tokenCounter(modelPath: String) throws -> @Sendable (GenerationPrompt) -> Int {
        guard FileManager.default.fileExists(atPath: modelPath) else {
            return { prompt in
                switch prompt {
                case .text(let t): return t.utf8.count / 3 + 1
                case .chat(let m): return m.reduce(0) { $0 + $1.content.utf8.count / 3 + 8 } + 4
                }
            }
        }
        let file = try GGUFFile(path: modelPath)
        let tokenizer = try BPETokenizer(gguf: file)
        let template = try ChatMLTemplate(gguf: file)
        return { prompt in
            switch prompt {
            case .text(let t): return tokenizer.encode(t, parseSpecial: true).count
            case .chat(let m): return tokenizer.encode(template.render(m), parseSpecial: true).count
            }
        }
    }
}
