/// Which generator to use: the local GGUF model, or a pool of OpenAI-compatible servers (`--generator`).
import Foundation
import RAGCore

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
