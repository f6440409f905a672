/// Reading BEIR query and relevance files (`queries.jsonl`, `qrels/test.tsv`).
import Foundation

public enum BEIRData {
    /// `{"_id", "text"}` per line.
    public static func loadQueries(path: String) throws -> [String: String] {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw RAGError(.notFound, "cannot read queries file \(path): \(error.localizedDescription)")
        }
        var out: [String: String] = [:]
        for (i, line) in data.split(separator: UInt8(ascii: "\n")).enumerated() where !line.allSatisfy({ $0 == 32 || $0 == 13 }) {
            guard let obj = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                  let id = obj["_id"] as? String ?? (obj["_id"] as? NSNumber)?.stringValue,
                  let text = obj["text"] as? String else {
                throw RAGError(.parseError, "\(path) line \(i + 1): expected a JSON object with \"_id\" and \"text\"")
            }
            out[id] = text
        }
        return out
    }

    /// BEIR TSV `query-id corpus-id score` (header optional) or TREC `qid 0 docid rel`.
    public static func loadQrels(path: String) throws -> Qrels {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw RAGError(.notFound, "cannot read qrels file \(path)")
        }
        var qrels: Qrels = [:]
        for (i, line) in text.split(whereSeparator: \.isNewline).enumerated() {
            let p = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            if p.isEmpty { continue }
            if i == 0, Int(p.last!) == nil { continue }  // header
            let (q, d, r): (String, String, String)
            switch p.count {
            case 3: (q, d, r) = (p[0], p[1], p[2])
            case 4: (q, d, r) = (p[0], p[2], p[3])
            default: throw RAGError(.parseError, "\(path) line \(i + 1): expected 3 or 4 fields")
            }
            guard let grade = Int(r) else { throw RAGError(.parseError, "\(path) line \(i + 1): grade \(r) is not an integer") }
            qrels[q, default: [:]][d] = grade
        }
        return qrels
    }
}
