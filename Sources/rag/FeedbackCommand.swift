/// `rag feedback`: the ratings given through POST /v1/feedback, with the question and answer each is about.
import ArgumentParser
import Foundation
import RAGCore
import Store

struct FeedbackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feedback",
        abstract: "List the feedback given through POST /v1/feedback, newest first, with the question and answer.")

    @OptionGroup var indexOptions: IndexOptions
    @Option(help: "Most entries to list.") var limit = 50
    @Flag(help: "Print one JSON object per line.") var json = false

    func run() throws {
        guard FileManager.default.fileExists(atPath: indexOptions.path) else {
            throw RAGError(.indexNotFound, "no index at \(indexOptions.path)")
        }
        let records = try IndexStore(path: indexOptions.path).feedback(limit: max(1, limit))
        if json {
            for r in records { try printJSON(r) }
            return
        }
        if records.isEmpty { print("no feedback yet") }
        let formatter = ISO8601DateFormatter()
        for r in records {
            let rating = r.rating > 0 ? "+1" : String(r.rating)
            print("\(formatter.string(from: Date(timeIntervalSince1970: r.createdAt)))  \(rating)  answer \(Self.printable(r.answerId))")
            print("  Q: \(Self.printable(r.question))")
            print("  A: \(Self.printable(String(r.answer.prefix(200))))\(r.answer.count > 200 ? "…" : "")")
            if !r.comment.isEmpty { print("  comment: \(Self.printable(r.comment))") }
        }
    }

    /// Text from the network made safe for a terminal: control characters (escape sequences that could move the
    /// cursor, retitle the window or rewrite what was printed) shown as visible `\u{…}` escapes instead.
    static func printable(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            let v = scalar.value
            if v < 0x20 || (0x7F...0x9F).contains(v) || v == 0x2028 || v == 0x2029 || (0x202A...0x202E).contains(v)
                || (0x2066...0x2069).contains(v) {
                out += "\\u{\(String(v, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
