/// `rag embed`: prints the token ids and the normalised vector the encoder gives each text.
import ArgumentParser
import Encoder
import Foundation

struct EmbedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "embed", abstract: "Embed texts with the local encoder.")

    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "Linear-layer precision: fp32 or int8.") var precision: EncoderPrecision = .fp32
    @Flag(help: "Print JSON.") var json = false
    @Argument(help: "Texts to embed.") var texts: [String]

    struct Output: Encodable {
        var model: String
        var items: [Item]
        struct Item: Encodable {
            var text: String
            var tokenIds: [Int]
            var embedding: [Float]
        }
    }

    func run() async throws {
        let encoder = try MiniLMEncoder(directory: EncoderModel.directory(modelOptions.directory), precision: precision)
        let vectors = try encoder.embed(texts)
        if json {
            try printJSON(Output(model: encoder.modelID, items: texts.indices.map {
                .init(text: texts[$0], tokenIds: encoder.tokenize(texts[$0]).map(Int.init), embedding: vectors[$0])
            }))
        } else {
            print("model: \(encoder.modelID)")
            for (i, text) in texts.enumerated() {
                print("\(text.debugDescription)")
                print("  token_ids: \(encoder.tokenize(text).map(String.init).joined(separator: " "))")
                print("  embedding[\(vectors[i].count)]: \(vectors[i].prefix(8).map { String($0) }.joined(separator: " ")) …")
            }
        }
    }
}

extension EncoderPrecision: ExpressibleByArgument {}

/// Where the encoder's files live under the models folder.
enum EncoderModel {
    static func directory(_ modelsDir: String) -> URL {
        URL(fileURLWithPath: modelsDir).appendingPathComponent("minilm")
    }
}
