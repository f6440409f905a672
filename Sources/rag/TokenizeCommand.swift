/// `rag tokenize`: prints the token ids a model's tokenizer gives each text.
import ArgumentParser
import Foundation
import Generator
import RAGCore
import Tokenizers

struct TokenizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tokenize", abstract: "Print token ids of texts.")

    enum Model: String, ExpressibleByArgument { case encoder, generator }

    @Option(help: "Which model's tokenizer: encoder or generator.") var model: Model = .encoder
    @Option(help: "Folder of the model files.") var modelsDir: String = "Models"
    @Flag(help: "Print JSON.") var json = false
    @Argument(help: "Texts to tokenize.") var texts: [String]

    func run() async throws {
        switch model {
        case .encoder:
            throw ValidationError("the encoder tokenizer is not built yet")
        case .generator:
            let path = modelsDir + "/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
            let tokenizer: BPETokenizer
            do {
                tokenizer = try BPETokenizer(gguf: try GGUFFile(path: path))
            } catch let e as any RAGErrorConvertible {
                FileHandle.standardError.write(Data("error: \(e.message)\n".utf8))
                throw ExitCode(1)
            }
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
