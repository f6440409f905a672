/// `rag stats`: what an index holds.
import ArgumentParser
import Foundation
import Store

struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stats", abstract: "Show what the index holds.")

    @OptionGroup var indexOptions: IndexOptions
    @Flag(help: "Print one JSON object.") var json = false

    func run() async throws {
        let store = try IndexStore(path: indexOptions.path, readOnly: true)
        let s = try store.stats()
        if json {
            try printJSON(s)
            return
        }
        print("index       \(s.path) (schema \(s.schemaVersion), \(String(format: "%.1f", Double(s.bytesOnDisk) / 1_048_576)) MB)")
        print("files       \(s.files)")
        print("documents   \(s.documents)  " + s.formats.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        print("chunks      \(s.chunks)  (\(s.tokens) tokens, \(s.chunks > 0 ? s.tokens / s.chunks : 0) per chunk)")
        print("embeddings  \(s.embeddings)")
        if let plan = s.vectorIndex {
            let ivf = plan.nlist.map { n in plan.type == .ivf ? ", nlist \(n), nprobe \(plan.nprobe ?? 0)" : " (IVF trained: nlist \(n))" } ?? ""
            print("vector index \(plan.type.rawValue)\(plan.type == .flat ? " (exact)" : "") over \(plan.vectors) vectors\(ivf): \(plan.reason)")
        }
        print("keyword     FTS5 porter unicode61 over chunk text and heading path")
        print("generation  \(s.generation)")
        if let redaction = s.redaction { print("redaction   \(redaction) (replaced by placeholders at ingest)") }
    }
}
