/// `rag feedback`: the ratings given through POST /v1/feedback, with the question and answer each is about; their
/// counts per week and per document (`--stats`); and `rag feedback export`, rated answers as evaluation data.
import ArgumentParser
import Foundation
import RAGCore
import Store

struct FeedbackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feedback",
        abstract: "List the feedback given through POST /v1/feedback, newest first, with the question and answer.",
        subcommands: [List.self, Export.self],
        defaultSubcommand: List.self)

    static func open(_ path: String) throws -> IndexStore {
        guard FileManager.default.fileExists(atPath: path) else {
            throw RAGError(.indexNotFound, "no index at \(path)")
        }
        return try IndexStore(path: path)
    }

    /// `rag feedback [--limit N] [--json]` as before, and `--stats`.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List the feedback, newest first (the default), or count it per ISO week and per document (--stats).")

        @OptionGroup var indexOptions: IndexOptions
        @Option(help: "Most entries to list.") var limit = 50
        @Flag(help: "Ratings (up, down, neutral) per ISO week (UTC) and per source document of the rated answers.") var stats = false
        @Flag(help: "Print one JSON object per line (with --stats: one JSON object).") var json = false

        func run() throws {
            let store = try FeedbackCommand.open(indexOptions.path)
            if stats { return try showStats(try FeedbackStats(store: store)) }
            let records = try store.feedback(limit: max(1, limit))
            if json {
                for r in records { try printJSON(r) }
                return
            }
            if records.isEmpty { print("no feedback yet") }
            let formatter = ISO8601DateFormatter()
            for r in records {
                let rating = r.rating > 0 ? "+1" : String(r.rating)
                print("\(formatter.string(from: Date(timeIntervalSince1970: r.createdAt)))  \(rating)  answer \(FeedbackCommand.printable(r.answerId))")
                print("  Q: \(FeedbackCommand.printable(r.question))")
                print("  A: \(FeedbackCommand.printable(String(r.answer.prefix(200))))\(r.answer.count > 200 ? "…" : "")")
                if !r.comment.isEmpty { print("  comment: \(FeedbackCommand.printable(r.comment))") }
            }
        }

        func showStats(_ s: FeedbackStats) throws {
            if json { return try printJSON(s) }
            if s.weeks.isEmpty { return print("no feedback yet") }
            func row(_ name: String, _ c: FeedbackStats.Counts, width: Int) -> String {
                name.padding(toLength: width, withPad: " ", startingAt: 0)
                    + String(format: "  %5d  %5d  %7d", c.up, c.down, c.neutral)
            }
            print("week        up   down  neutral")
            for w in s.weeks { print(row(w.week, w.counts, width: 8)) }
            let width = max(8, s.documents.map { FeedbackCommand.printable($0.path).count }.max() ?? 0)
            print("")
            print("document".padding(toLength: width, withPad: " ", startingAt: 0) + "     up   down  neutral")
            for d in s.documents { print(row(FeedbackCommand.printable(d.path), d.counts, width: width)) }
        }
    }

    /// `rag feedback export --qa FILE`.
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "Write answers rated up as QA cases (rag eval-qa --qa), and answers rated down as cases to re-check.",
            discussion: """
                Each answer's latest rating counts; neutral ones are left out. A case's gold answer is the logged short \
                answer, else the answer without its [n] markers; its passage_ids name the documents of the chunks it \
                cited, as rag eval-qa --corpus names them (a BEIR _id, else the path below --corpus, else the stored \
                path). --passages writes those chunks' text as a passages file, so `rag eval-qa --corpus PASSAGES --qa \
                FILE` runs on them alone.
                """)

        @OptionGroup var indexOptions: IndexOptions
        @Option(help: "Write the QA cases (answers rated up) here, one JSON object per line.") var qa: String
        @Option(help: "Write the answers rated down here (default: <qa>.recheck.jsonl).") var recheck: String?
        @Option(help: "Write the cited chunks as a passages file ({\"_id\",\"title\",\"text\"} per line) here.") var passages: String?
        @Option(help: "The corpus path the index was ingested from (a folder's documents are then named by their path below it).") var corpus: String?
        @Flag(help: "Print the summary as one JSON object.") var json = false

        var recheckPath: String {
            recheck ?? ((qa as NSString).pathExtension == "jsonl" ? String(qa.dropLast(6)) : qa) + ".recheck.jsonl"
        }

        struct Summary: Encodable {
            var cases: Int
            var recheck: Int
            var passages: Int?
            var missingPassages: Int
            var qa: String
            var recheckFile: String
            var passagesFile: String?
        }

        func run() throws {
            let export = try FeedbackExport(store: try FeedbackCommand.open(indexOptions.path), corpus: corpus)
            try Self.writeLines(export.cases, to: qa)
            try Self.writeLines(export.recheck, to: recheckPath)
            if let passages { try Self.writeLines(export.passages, to: passages) }
            let summary = Summary(cases: export.cases.count, recheck: export.recheck.count, passages: passages == nil ? nil : export.passages.count,
                                  missingPassages: export.missingPassages, qa: qa, recheckFile: recheckPath, passagesFile: passages)
            if json { return try printJSON(summary) }
            print("exported \(export.cases.count) QA case(s) to \(qa), \(export.recheck.count) to re-check to \(recheckPath)"
                  + (passages.map { ", \(export.passages.count) passage(s) to \($0)" } ?? ""))
            if export.missingPassages > 0 {
                printError("rag: note: \(export.missingPassages) cited chunk(s) are no longer in the index; their cases have fewer passage ids")
            }
        }

        static func writeLines<T: Encodable>(_ items: [T], to path: String) throws {
            let encoder = JSONEncoder.snakeCase
            var data = Data()
            for item in items {
                data.append(try encoder.encode(item))
                data.append(0x0A)
            }
            do { try data.write(to: URL(fileURLWithPath: path)) } catch {
                throw RAGError(.invalidInput, "cannot write \(path): \(error.localizedDescription)")
            }
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
