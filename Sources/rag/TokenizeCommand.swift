/// `rag tokenize`: prints the token ids a model's tokenizer gives each text.
import ArgumentParser
import Encoder
import Foundation
import Generator
import RAGCore
import Tokenizers

struct TokenizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tokenize", abstract: "Print token ids of texts.")

    enum Model: String, ExpressibleByArgument { case encoder, generator }

    @Option(help: "Which model's tokenizer: encoder or generator.") var model: Model = .encoder
    @OptionGroup var modelOptions: ModelOptions
    @Flag(help: "Print JSON.") var json = false
    @Argument(help: "Texts to tokenize.") var texts: [String]

    func run() async throws {
        switch model {
        case .encoder:
            let tokenizer = try WordPieceTokenizer(directory: EncoderModel.directory(modelOptions.directory))
            let items = texts.map { (text: $0, ids: tokenizer.encode($0)) }
            if json {
                try printItems(items.map { ($0.text, $0.ids.map(Int.init)) })
            } else {
                for item in items {
                    print(item.text.debugDescription)
                    print("  " + item.ids.map { "\($0):\(tokenizer.token(for: $0) ?? "?")" }.joined(separator: " "))
                }
            }
        case .generator:
            let tokenizer = try BPETokenizer(gguf: try GGUFFile(path: GeneratorModel.path(modelOptions.directory)))
            try printItems(texts.map { ($0, tokenizer.encode($0, parseSpecial: true).map(Int.init)) })
        }
    }

    struct Output: Encodable {
        var items: [Item]
        struct Item: Encodable { var text: String; var tokenIds: [Int] }
    }

    /// `{"items":[{"text":…,"token_ids":[…]}]}` with --json, else one line of ids per text.
    private func printItems(_ items: [(String, [Int])]) throws {
        if json {
            try printJSON(Output(items: items.map { .init(text: $0.0, tokenIds: $0.1) }))
        } else {
            for (_, ids) in items { print(ids.map(String.init).joined(separator: " ")) }
        }
    }
}
