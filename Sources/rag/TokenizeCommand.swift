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
                printItems(items.map { ($0.text, $0.ids.map(Int.init)) })
            } else {
                for item in items {
                    print(item.text.debugDescription)
                    print("  " + item.ids.map { "\($0):\(tokenizer.token(for: $0) ?? "?")" }.joined(separator: " "))
                }
            }
        case .generator:
            let tokenizer = try BPETokenizer(gguf: try GGUFFile(path: GeneratorModel.path(modelOptions.directory)))
            printItems(texts.map { ($0, tokenizer.encode($0, parseSpecial: true).map(Int.init)) })
        }
    }

    /// `{"items":[{"text":…,"token_ids":[…]}]}` with --json, else one line of ids per text.
    private func printItems(_ items: [(String, [Int])]) {
        if json {
            let obj: [String: Any] = ["items": items.map { ["text": $0.0, "token_ids": $0.1] as [String: Any] }]
            let data = (try? JSONSerialization.data(withJSONObject: obj, options: [.withoutEscapingSlashes])) ?? Data("{}".utf8)
            print(String(decoding: data, as: UTF8.self))
        } else {
            for (_, ids) in items { print(ids.map(String.init).joined(separator: " ")) }
        }
    }
}
