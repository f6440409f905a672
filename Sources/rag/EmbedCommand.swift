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

    func run() async throws {
        let encoder = try MiniLMEncoder(directory: EncoderModel.directory(modelOptions.directory), precision: precision)
        let vectors = try encoder.embed(texts)
        if json {
            var out = "{\"model\":\(JSONText.string(encoder.modelID)),\"items\":["
            for (i, text) in texts.enumerated() {
                if i > 0 { out += "," }
                out += "{\"text\":\(JSONText.string(text)),\"token_ids\":\(JSONText.array(encoder.tokenize(text)))"
                out += ",\"embedding\":\(JSONText.array(vectors[i]))}"
            }
            out += "]}"
            print(out)
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

/// Small JSON writers: floats in Swift's shortest round-trip form, strings escaped per RFC 8259.
enum JSONText {
    static func string(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    out += "\\u" + String(repeating: "0", count: 4 - String(u.value, radix: 16).count) + String(u.value, radix: 16)
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }

    static func array<T: BinaryInteger>(_ values: [T]) -> String {
        "[" + values.map { String($0) }.joined(separator: ",") + "]"
    }

    static func array(_ values: [Float]) -> String {
        "[" + values.map { $0.isFinite ? "\($0)" : "null" }.joined(separator: ",") + "]"
    }

    static func number(_ x: Double) -> String {
        x.isFinite ? String(format: "%.6g", x) : "null"
    }
}
