/// The texts of a BEIR corpus.jsonl as dense models see them, for the encoder and tokenizer benchmarks.
import Foundation
import RAGCore

public enum CorpusTexts {
    /// The first `limit` documents' texts, as BEIR builds them for dense models: title, a space, the text.
    public static func read(_ path: String, limit: Int) throws -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RAGError(.invalidInput, "cannot read corpus \(path)")
        }
        var texts: [String] = []
        var lineNumber = 0
        for line in data.split(separator: UInt8(ascii: "\n")) where texts.count < limit {
            lineNumber += 1
            guard let object = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any],
                  let text = object["text"] as? String else {
                throw RAGError(.invalidInput, "\(path):\(lineNumber): not a JSON object with a \"text\" string")
            }
            let title = object["title"] as? String ?? ""
            texts.append(title.isEmpty ? text : (title + " " + text).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return texts
    }
}
