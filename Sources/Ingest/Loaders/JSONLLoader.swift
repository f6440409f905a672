/// Loads BEIR-style corpora: one `{"_id","title","text"}` object per line, each line one document.
import Foundation
import RAGCore

/// JSONL corpus → one `Document` per line, path `<file>#<_id>`, `externalID` = `_id`.
///
/// Blocks: heading(level 1) = title (when not empty), then the text's paragraphs (split on blank lines). Ranges
/// index "title\n\ntext" (just "text" when the title is empty). A bad line (not JSON, not an object, no `_id`,
/// `_id` repeated, `title`/`text` neither strings nor null) becomes a `.badLine` problem with its line number and the other lines
/// still load; after `maxReportedProblems` bad lines one summary problem stands for the rest.
public struct JSONLLoader: DocumentLoader {
    public static let maxReportedProblems = 100

    public init() {}

    /// Documents only; use `loadResult` to see the bad lines.
    public func load(path: String, bytes: [UInt8]) throws -> [Document] {
        loadResult(path: path, bytes: bytes).documents
    }

    public func loadResult(path: String, bytes: [UInt8]) -> LoadResult {
        let utf8 = UTF8Repair.bytes(from: bytes)
        var documents: [Document] = []
        var problems: [RAGError] = []
        var badLines = 0
        var firstLineOfID: [String: Int] = [:]
        func problem(_ line: Int, _ reason: String, _ error: (any Error)? = nil) {
            badLines += 1
            if badLines <= Self.maxReportedProblems {
                problems.append(RAGError(.badLine, path: path, line: line, reason: reason, underlying: error))
            }
        }
        utf8.withUnsafeBufferPointer { all in
            var lineNumber = 0
            var start = 0
            while start < all.count {
                lineNumber += 1
                var end = start
                while end < all.count && all[end] != 0x0A { end += 1 }
                defer { start = end + 1 }
                let line = UnsafeBufferPointer(rebasing: all[start..<end])
                if line.allSatisfy({ FormatDetector.isSpace($0) }) { continue }
                let object: Any
                do {
                    object = try JSONSerialization.jsonObject(with: Data(buffer: line), options: [])
                } catch {
                    problem(lineNumber, "bad line: not valid JSON", error)
                    continue
                }
                guard let dict = object as? [String: Any] else {
                    problem(lineNumber, "bad line: not a JSON object"); continue
                }
                let id: String
                switch dict["_id"] {
                case let s as String where !s.isEmpty: id = s
                case let n as NSNumber: id = n.stringValue
                default: problem(lineNumber, "bad line: no \"_id\" string"); continue
                }
                if let first = firstLineOfID[id] {
                    problem(lineNumber, "bad line: duplicate _id \"\(id)\" (first on line \(first)); skipped"); continue
                }
                func field(_ key: String) -> String? {
                    switch dict[key] {
                    case nil, is NSNull: ""
                    case let s as String: s
                    default: nil
                    }
                }
                guard let title = field("title"), let text = field("text") else {
                    problem(lineNumber, "bad line: \"title\" and \"text\" must be strings (_id \"\(id)\")"); continue
                }
                firstLineOfID[id] = lineNumber
                documents.append(Self.document(corpusPath: path, id: id, title: title, text: text))
            }
        }
        if badLines > Self.maxReportedProblems {
            problems.append(RAGError(.badLine, path: path,
                                        reason: "\(badLines - Self.maxReportedProblems) more bad lines not listed (\(badLines) in all)"))
        }
        return LoadResult(format: .jsonl, documents: documents, problems: problems)
    }

    static func document(corpusPath: String, id: String, title: String, text: String) -> Document {
        let cleanTitle = title.trimmingSpaces()
        var blocks: [Block] = []
        var base = 0
        if !cleanTitle.isEmpty {
            // The title's range covers the title as written, so the offsets index "title\n\ntext" exactly.
            let leading = title.unicodeScalars.prefix { $0.properties.isWhitespace }.count
            blocks.append(Block(kind: .heading(level: 1), text: cleanTitle,
                                range: leading..<(leading + cleanTitle.unicodeScalars.count)))
            base = title.unicodeScalars.count + 2
        }
        var text = text
        blocks += text.withUTF8 { TextLoader.paragraphs($0, baseOffset: base) }
        return Document(path: "\(corpusPath)#\(id)", externalID: id, title: cleanTitle.isEmpty ? nil : cleanTitle,
                        format: .jsonl, blocks: blocks)
    }
}
