/// Which encoder embeds: the local MiniLM model, or a pool of OpenAI-compatible embeddings servers (`--encoder`).
import Foundation
import RAGCore

/// `--encoder local` or `--encoder openai:URL[,URL…]`.
public enum EncoderChoice: Sendable, Equatable, CustomStringConvertible {
    case local
    case openAI([String])

    public init(parsing s: String) throws {
        if s == "local" { self = .local; return }
        guard s.hasPrefix("openai:") else {
            throw RAGError(.invalidEncoder, "--encoder: expected local or openai:URL[,URL…], got \(s)")
        }
        let urls = s.dropFirst("openai:".count).split(separator: ",", omittingEmptySubsequences: false)
            .map { String($0).trimmingCharacters(in: .whitespaces) }
        guard !urls.isEmpty, urls.allSatisfy({ !$0.isEmpty }) else {
            throw RAGError(.invalidEncoder, "--encoder: openai: needs at least one URL (comma-separated, none empty)")
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
