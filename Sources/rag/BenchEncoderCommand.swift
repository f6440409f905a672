/// `rag bench encoder`: embeds the first N documents of a BEIR corpus (title + " " + text) and reports throughput.
import ArgumentParser
import Encoder
import Foundation
import Kernels

struct BenchEncoderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "encoder",
        abstract: "Embed the first N documents of a corpus.jsonl and print texts/s, tokens/s and peak RSS as JSON.")

    @Option(help: "BEIR corpus.jsonl ({\"_id\",\"title\",\"text\"} per line).") var corpus: String
    @Option(help: "Documents to embed.") var limit: Int = 1000
    @Option(help: "Linear-layer precision: fp32 or int8.") var precision: EncoderPrecision = .fp32
    @Option(help: "Timed repetitions; the median is reported.") var repeats: Int = 1
    @OptionGroup var modelOptions: ModelOptions

    func run() async throws {
        guard limit > 0, repeats > 0 else { throw ValidationError("--limit and --repeats must be positive") }
        let texts = try Self.readCorpus(corpus, limit: limit)
        let encoder = try MiniLMEncoder(directory: EncoderModel.directory(modelOptions.directory), precision: precision)
        let tokens = texts.reduce(0) { $0 + encoder.tokenize($1).count }
        _ = try encoder.embed(Array(texts.prefix(32)))  // warm-up, as the reference script does
        var runs: [Double] = []
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = try encoder.embed(texts)
            runs.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        let seconds = runs.sorted()[runs.count / 2]
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let peakMB = Double(usage.ru_maxrss) / 1024
        print("{\"texts\":\(texts.count),\"tokens\":\(tokens),\"seconds\":\(JSONText.number(seconds))"
            + ",\"texts_per_s\":\(JSONText.number(Double(texts.count) / seconds))"
            + ",\"tokens_per_s\":\(JSONText.number(Double(tokens) / seconds))"
            + ",\"peak_rss_mb\":\(JSONText.number(peakMB)),\"precision\":\(JSONText.string(precision.rawValue))"
            + ",\"blas_core\":\(JSONText.string(BLASRuntime.coreName())),\"workers\":\(encoder.workers)}")
    }

    /// The first `limit` documents' texts, as BEIR builds them for dense models: title, a space, the text.
    static func readCorpus(_ path: String, limit: Int) throws -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("cannot read corpus \(path)")
        }
        var texts: [String] = []
        var lineNumber = 0
        for line in data.split(separator: UInt8(ascii: "\n")) where texts.count < limit {
            lineNumber += 1
            guard let object = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any],
                  let text = object["text"] as? String else {
                throw ValidationError("\(path):\(lineNumber): not a JSON object with a \"text\" string")
            }
            let title = object["title"] as? String ?? ""
            texts.append(title.isEmpty ? text : (title + " " + text).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return texts
    }
}
