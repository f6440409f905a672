/// `rag index build --ivf`: (re)trains the IVF coarse quantiser of an index and assigns every vector to its list;
/// `rag index adapt` and `rag index distill` (IndexQueryMapCommands.swift) fit the learned query maps.
import ArgumentParser
import Foundation
import Store

struct IndexCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "index", abstract: "Build vector index structures and learned query maps.",
                                                    subcommands: [IndexBuildCommand.self, IndexAdaptCommand.self, IndexDistillCommand.self])
}

struct IndexBuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build", abstract: "Train the IVF index (k-means++ on a sample, seeded, deterministic).",
        discussion: "New chunks are placed in their nearest list as they are ingested; run again to retrain after large changes.")

    @OptionGroup var indexOptions: IndexOptions
    @Flag(help: "Train the IVF coarse quantiser.") var ivf = false
    @Option(help: "Number of lists (default about 4·√N).") var nlist: Int?
    @Option(help: "Random seed for sampling and seeding.") var seed: UInt64 = 1
    @Option(help: "k-means iterations.") var iterations: Int = 10
    @Flag(help: "Print one JSON object.") var json = false

    func validate() throws {
        guard ivf else { throw ValidationError("say what to build: --ivf") }
        if let nlist, nlist < 1 { throw ValidationError("--nlist must be at least 1, got \(nlist)") }
        guard iterations >= 1 else { throw ValidationError("--iterations must be at least 1") }
    }

    func run() async throws {
        let store = try IndexStore(path: indexOptions.path)
        let report = try store.trainIVF(nlist: nlist, seed: seed, iterations: iterations)
        if json {
            try printJSON(report)
        } else {
            print("trained IVF of \(indexOptions.path): \(report.nlist) lists over \(report.vectors) vectors (seed \(report.seed), \(report.iterations) iterations) in \(String(format: "%.2f", report.seconds)) s")
        }
    }
}
