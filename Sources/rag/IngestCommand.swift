/// `rag ingest`: reads files into the index, with a live progress bar and a closing summary.
import ArgumentParser
import Encoder
import Foundation
import Ingest
import RAGCore
import Settings
import Store

struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Parse, chunk, embed and index documents (HTML, XHTML, XML, Markdown, text, BEIR JSONL, PDF, DOCX, PPTX, XLSX, ODT, ODP, ODS, EPUB).",
        discussion: "Exit status: 0 when every input was ingested, 1 when some inputs failed (each is listed), 2 on a usage error."
    )

    @OptionGroup var indexOptions: IndexOptions
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var encoderOptions: EncoderOptions
    @Flag(help: "Remove documents whose files under the given paths are gone.") var prune = false
    @Flag(help: "Print the summary as one JSON object.") var json = false
    @OptionGroup var configOptions: ConfigOptions
    @Flag(name: .customLong("no-embed"), help: settingHelp(Setting.noEmbed)) var noEmbedFlag = false
    @Option(name: .customLong("encoder-precision"), help: settingHelp(Setting.encoderPrecision)) var encoderPrecisionFlag: PrecisionChoice?
    @Flag(help: "Replace vectors made by another encoder or precision instead of refusing to mix them.") var reembed = false
    @Option(name: .customLong("chunk-tokens"), help: settingHelp(Setting.chunkTokens)) var chunkTokensFlag: Int?
    @Option(name: .customLong("chunk-overlap"), help: settingHelp(Setting.chunkOverlap)) var chunkOverlapFlag: Int?
    @Flag(name: .customLong("follow-symlinks"), help: settingHelp(Setting.followSymlinks)) var followSymlinksFlag = false
    @Option(name: .customLong("redact"), help: settingHelp(Setting.redact)) var redactFlag: String?
    @Option(help: "Spread documents over N SQLite files (a folder at --index with a manifest), by a stable hash of their path.") var shards: Int?
    @Argument(help: "Files or folders to ingest.") var paths: [String]

    var noEmbed: Bool { CLISettings.bool(Setting.noEmbed, noEmbedFlag) }
    var precisionChoice: PrecisionChoice { CLISettings.choice(Setting.encoderPrecision, encoderPrecisionFlag) }

    /// `auto`: the precision of the vectors the index already holds (so re-ingesting never needs --reembed), and
    /// for a new index or one without vectors int8 with the local encoder, fp32 through openai: encoders.
    func encoderPrecision(indexModel: String?) throws -> EncoderPrecision {
        switch precisionChoice {
        case .fp32: return .fp32
        case .int8: return .int8
        case .auto:
            var model = indexModel
            if model == nil, shards != nil, ShardLayout.isSharded(indexOptions.path) {
                let manifest = try ShardLayout.load(at: indexOptions.path)
                model = ShardLayout.shardPaths(indexOptions.path, manifest).lazy
                    .compactMap { try? IndexStore(path: $0, readOnly: true).meta("embedding_model") }.first
            }
            // Through openai: servers the local encoder only checks their vectors, on a probe whose cosine cannot
            // tell int8 from fp32: take fp32, what other encoders (and `rag serve` over an index without vectors) compute.
            return model.map { EncoderPrecision(modelID: $0) } ?? (encoderOptions.isLocal ? .int8 : .fp32)
        }
    }
    var chunkTokens: Int { CLISettings.int(Setting.chunkTokens, chunkTokensFlag) }
    var chunkOverlap: Int { CLISettings.int(Setting.chunkOverlap, chunkOverlapFlag) }
    var followSymlinks: Bool { CLISettings.bool(Setting.followSymlinks, followSymlinksFlag) }
    var redact: String? { CLISettings.current.string(Setting.redact, flag: redactFlag) }

    func validate() throws {
        if paths.isEmpty { throw ValidationError("give at least one file or folder to ingest") }
        if let shards, shards < 1 { throw ValidationError("--shards must be at least 1, got \(shards)") }
        if shards != nil && prune { throw ValidationError("--prune is not supported with --shards yet") }
        if let redact {
            do { _ = try RedactionKind.parseList(redact) } catch let e as RAGError { throw ValidationError(e.message) }
        }
        do { _ = try ChunkerConfig(maxTokens: chunkTokens, overlapTokens: chunkOverlap) } catch let e as RAGError {
            throw ValidationError(e.message)
        }
    }

    func run() async throws {
        let config = try ChunkerConfig(maxTokens: chunkTokens, overlapTokens: chunkOverlap)
        let models = try ModelLoader(directory: modelOptions.directory)
        // A sharded index checks each shard's encoder as it goes; a single file is checked here, before any work
        // (and before the file is created, so an encoder that cannot be used leaves no empty index behind).
        // An index the read-only open cannot read (an older schema that the ingest migrates) is checked by the pipeline.
        let indexModel = shards == nil && FileManager.default.fileExists(atPath: indexOptions.path)
            ? (try? IndexStore(path: indexOptions.path, readOnly: true).meta("embedding_model")) : nil
        let embedder = noEmbed ? nil : try encoderOptions.embedder(
            modelsDirectory: modelOptions.directory, indexModel: indexModel, precision: try encoderPrecision(indexModel: indexModel),
            replacing: reembed)
        // Chunks are sized with the local encoder's tokenizer, also when a remote encoder embeds them.
        let counter = try (embedder as? MiniLMEncoder)?.tokenizer ?? models.wordPiece()
        var options = IngestOptions()
        options.prune = prune
        options.chunker = config
        options.embed = !noEmbed
        options.reembed = reembed
        options.followSymlinks = followSymlinks
        options.redact = try redact.map(RedactionKind.parseList) ?? []
        let reporter = ProgressReporter(enabled: !json)
        if let shards {
            var summary = try ShardedIngest.run(paths: paths, index: indexOptions.path, shards: shards, options: options,
                                                chunker: Chunker(config: config, counter: counter), embedder: embedder,
                                                progress: reporter.update)
            summary.peakRssMb = peakRSSMegabytes()
            reporter.finish()
            try report(summary)
            if !summary.problems.isEmpty { throw ExitCode(1) }
            return
        }
        let store = try IndexStore(path: indexOptions.path)
        let pipeline = IngestPipeline(store: store, chunker: Chunker(config: config, counter: counter), embedder: embedder)
        var summary = try pipeline.run(paths: paths, options: options, progress: reporter.update)
        summary.peakRssMb = peakRSSMegabytes()
        reporter.finish()
        try report(summary)
        if !summary.problems.isEmpty { throw ExitCode(1) }
    }

    func report(_ s: IngestSummary) throws {
        if json {
            try printJSON(s)
            return
        }
        for p in s.problems { printError("rag: \(p.message)") }
        let rate = s.seconds > 0 ? Double(s.bytes) / 1_048_576 / s.seconds : 0
        print("""
            ingested \(s.filesChanged) changed file(s), \(s.filesUnchanged) unchanged, \(s.filesFailed) failed, \(s.filesRemoved) removed; \
            \(s.documents) document(s), \(s.chunks) chunk(s), \(s.embedded) embedded (\(s.embeddingCacheHits) from cache) \
            in \(String(format: "%.2f", s.seconds)) s (\(String(format: "%.1f", rate)) MB/s) into \(indexOptions.path)
            """)
        if redact != nil {
            let counts = RedactionKind.allCases.compactMap { k in s.redactions[k.rawValue].map { "\(k.rawValue) \($0)" } }
            print("redacted: " + (counts.isEmpty ? "nothing found" : counts.joined(separator: ", ")))
        }
    }
}

extension IngestCommand: SettingsCommand {
    var settingsIndexPath: String? { indexOptions.path }
    func validateSettings() throws {
        try validate()
        try encoderOptions.validate()
    }
}

/// `--encoder-precision`: a precision, or `auto` (the index's own; int8 for a new index).
enum PrecisionChoice: String, CaseIterable, ExpressibleByArgument {
    case auto, fp32, int8
}
