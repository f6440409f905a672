/// `rag tokenize`: prints the token ids a model's tokenizer gives each text.
import ArgumentParser
import Foundation

struct TokenizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tokenize", abstract: "Print token ids of texts.")

    enum Model: String, ExpressibleByArgument { case encoder, generator }

    @Option(help: "Which model's tokenizer: encoder or generator.") var model: Model = .encoder
    @Option(help: "Folder of the model files.") var modelsDir: String = "Models"
    @Flag(help: "Print JSON.") var json = false
    @Argument(help: "Texts to tokenize.") var texts: [String]

    func run() async throws {
        throw ValidationError("the \(model.rawValue) tokenizer is not built yet")
    }
}
