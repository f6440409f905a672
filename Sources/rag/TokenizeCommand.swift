/// `rag tokenize`: prints the token ids a model's tokenizer gives each text.
import ArgumentParser
import Encoder
import Foundation
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
                let body = items.map { "{\"text\":\(JSONText.string($0.text)),\"token_ids\":\(JSONText.array($0.ids))}" }
                print("{\"items\":[" + body.joined(separator: ",") + "]}")
            } else {
                for item in items {
                    print(item.text.debugDescription)
                    print("  " + item.ids.map { "\($0):\(tokenizer.token(for: $0) ?? "?")" }.joined(separator: " "))
                }
            }
        case .generator:
            throw ValidationError("the \(model.rawValue) tokenizer is not built yet")
        }
    }
}
