import Answering
import Foundation
import Ingest
import RAGCore
import Retrieval
import Settings
import TOMLKit
import Testing

/// The resolver: flag, then RAG_<SECTION>_<KEY>, then rag.toml, then the default; and the errors bad files give.
@Suite struct SettingsResolverTests {
    func write(_ text: String, name: String = "rag.toml") throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rag-settings-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static let file = """
        # settings
        [ingest]
        chunk_tokens = 120

        [retrieval]
        k = 7

        [answer]
        temperature = 0.5

        [serve]
        port = 9000
        """

    /// One setting of each section, each at every level of precedence.
    @Test(arguments: [
        (Setting.chunkTokens, SettingValue.int(64), "40", SettingValue.int(40), SettingValue.int(120), 3, SettingValue.int(200)),
        (Setting.k, .int(2), "3", .int(3), .int(7), 6, .int(5)),
        (Setting.temperature, .double(1.5), "0.25", .double(0.25), .double(0.5), 9, .double(0)),
        (Setting.port, .int(1234), "4321", .int(4321), .int(9000), 12, .int(8080)),
    ])
    func flagBeatsEnvironmentBeatsFileBeatsDefault(_ d: SettingDefinition, flag: SettingValue, envText: String, env: SettingValue,
                                                   fileValue: SettingValue, line: Int, defaultValue: SettingValue) throws {
        let path = try write(Self.file)
        let withAll = try SettingsResolver(configPath: path, indexPath: nil, environment: [d.environmentName: envText])
        #expect(withAll.resolve(d, flag: flag) == ResolvedSetting(definition: d, value: flag, source: .flag))
        #expect(withAll.resolve(d) == ResolvedSetting(definition: d, value: env, source: .environment(d.environmentName)))
        let fileOnly = try SettingsResolver(configPath: path, indexPath: nil, environment: [:])
        #expect(fileOnly.resolve(d) == ResolvedSetting(definition: d, value: fileValue, source: .file(path: path, line: line)))
        let none = try SettingsResolver(configPath: nil, indexPath: nil, environment: [:])
        #expect(none.resolve(d) == ResolvedSetting(definition: d, value: defaultValue, source: .default))
    }

    @Test func theFileBesideTheIndexIsReadAndConfigOverridesIt() throws {
        let beside = try write("[retrieval]\nk = 9\n", name: "rag.toml")
        let index = URL(fileURLWithPath: beside).deletingLastPathComponent().appendingPathComponent("rag.sqlite").path
        #expect(SettingsResolver.configPath(besideIndex: index) == beside)
        let r = try SettingsResolver(configPath: nil, indexPath: index, environment: [:])
        #expect(r.file?.path == beside)
        #expect(r.int(Setting.k, flag: nil) == 9)
        let other = try write("[retrieval]\nk = 4\n")
        #expect(try SettingsResolver(configPath: nil, indexPath: index, environment: ["RAG_CONFIG": other]).int(Setting.k, flag: nil) == 4)
        #expect(try SettingsResolver(configPath: other, indexPath: index, environment: [:]).int(Setting.k, flag: nil) == 4)
        #expect(try SettingsResolver(configPath: nil, indexPath: index + ".absent", environment: [:]).file == nil)
    }

    @Test func aCommandsOwnDefaultYieldsToTheFile() throws {
        let path = try write("[retrieval]\nk = 6\n")
        #expect(try SettingsResolver(configPath: nil, indexPath: nil, environment: [:]).int(Setting.k, flag: nil, commandDefault: 10) == 10)
        #expect(try SettingsResolver(configPath: path, indexPath: nil, environment: [:]).int(Setting.k, flag: nil, commandDefault: 10) == 6)
    }

    @Test func aWrongTypeNamesTheFileLineAndKey() throws {
        let path = try write("# tuned\n\n[retrieval]\nmode = \"dense\"\n\n\nk = \"five\"\n")
        #expect(try #require(throws: RAGError.self) { try SettingsFile(path: path) }.message == "\(path):7: [retrieval] k: expected an integer ≥ 1, got \"five\"")
    }

    @Test func anOutOfRangeValueNamesTheFileLineAndKey() throws {
        let path = try write("[serve]\nport = 70000\n")
        #expect(try #require(throws: RAGError.self) { try SettingsFile(path: path) }.message == "\(path):2: [serve] port: expected an integer in 0…65535, got 70000")
        let choice = try write("[retrieval]\nmode = \"fuzzy\"\n")
        #expect(try #require(throws: RAGError.self) { try SettingsFile(path: choice) }.message == "\(choice):2: [retrieval] mode: expected one of dense, keyword, hybrid, got \"fuzzy\"")
    }

    @Test func anUnknownKeyOrSectionNamesItsLine() throws {
        let path = try write("[answer]\nstyle = \"short\"\nchunk_tokens = 100\n")
        #expect(try #require(throws: RAGError.self) { try SettingsFile(path: path) }.message == "\(path):3: [answer] chunk_tokens: unknown key (see `rag config show`)")
        let section = try write("[ingest]\nchunk_tokens = 100\n\n[retrievel]\nk = 3\n")
        let error = try #require(throws: RAGError.self) { try SettingsFile(path: section) }
        #expect(error.code == .invalidConfig)
        #expect(error.message.hasPrefix("\(section):4: unknown section [retrievel]"))
    }

    @Test func aSyntaxErrorNamesItsLine() throws {
        let path = try write("[retrieval]\nk = 5\nmode = \n")
        let error = try #require(throws: RAGError.self) { try SettingsFile(path: path) }
        #expect(error.code == .invalidConfig)
        #expect(error.message.hasPrefix("\(path):3: "), "\(error.message)")
    }

    @Test func dottedAndQuotedKeysFindTheirLines() throws {
        let path = try write("retrieval.k = 3\n[answer]\n\"style\" = \"free\"\n[serve]\nport = \"x\"\n")
        let error = try #require(throws: RAGError.self) { try SettingsFile(path: path) }
        #expect(error.message.hasPrefix("\(path):5: [serve] port"))
        let fine = try SettingsFile(path: try write("retrieval.k = 3\n[answer]\n\"style\" = \"free\"\n"))
        #expect(fine.values["retrieval.k"]?.line == 1)
        #expect(fine.values["answer.style"]?.line == 3)
    }

    @Test func aBadEnvironmentValueNamesTheVariable() throws {
        #expect(try #require(throws: RAGError.self) { try SettingsResolver(configPath: nil, indexPath: nil, environment: ["RAG_RETRIEVAL_K": "many"]) }.message == "RAG_RETRIEVAL_K: [retrieval] k: expected an integer ≥ 1, got \"many\"")
    }

    @Test func aMissingConfigFileIsNotFound() throws {
        let error = try #require(throws: RAGError.self) {
            try SettingsResolver(configPath: "/nonexistent/rag.toml", indexPath: nil, environment: [:])
        }
        #expect(error.code == .notFound)
    }

    /// What `rag tune --write` writes: TOMLKit's output of the keys it tuned, after a `#` comment.
    @Test func aFileWrittenByTOMLKitLoads() throws {
        let table = TOMLTable()
        let retrieval = TOMLTable()
        retrieval["mode"] = "hybrid"
        retrieval["k"] = 8
        retrieval["dense_weight"] = 0.6
        retrieval["fusion"] = "weighted"
        let answer = TOMLTable()
        answer["reader_passages"] = 4
        answer["reader_rank_penalty"] = 1.0
        table["retrieval"] = retrieval
        table["answer"] = answer
        let path = try write("# written by rag tune on 2026-11-27\n" + table.convert())
        let file = try SettingsFile(path: path)
        #expect(file.values["retrieval.k"]?.value == .int(8))
        #expect(file.values["retrieval.dense_weight"]?.value == .double(0.6))
        #expect(file.values["answer.reader_rank_penalty"]?.value == .double(1))
        let r = try SettingsResolver(configPath: path, indexPath: nil, environment: [:])
        #expect(r.double(Setting.readerRankPenalty, flag: nil) == 1)
        #expect(r.string(Setting.fusion, flag: nil) == "weighted")
    }

    @Test func keysFollowTheFlagNamingRule() {
        for d in Setting.all {
            #expect(d.key == d.key.lowercased() && !d.key.contains("-"), "\(d.name)")
            #expect(d.environmentName == "RAG_\(d.section.rawValue.uppercased())_\(d.key.uppercased())")
        }
        #expect(Set(Setting.all.map(\.name)).count == Setting.all.count)
        #expect(Setting.chunkTokens.flag == "--chunk-tokens")
    }

    /// The table writes out the libraries' defaults (Settings depends on RAGCore alone); they must agree.
    @Test func tableDefaultsAreTheLibrariesDefaults() {
        #expect(Setting.chunkTokens.defaultValue == .int(ChunkerConfig.default.maxTokens))
        #expect(Setting.chunkOverlap.defaultValue == .int(ChunkerConfig.default.overlapTokens))
        #expect(Setting.denseWeight.defaultValue == .double(Fusion.defaultDenseWeight))
        #expect(Setting.minRelevance.defaultValue == .double(SelectionOptions().minRelevance))
        let ask = AskOptions()
        #expect(Setting.readerPassages.defaultValue == .int(ask.readerPassages))
        #expect(Setting.readerRankPenalty.defaultValue == .double(Double(ask.readerRankPenalty)))
        #expect(Setting.readerGeneratorWeight.defaultValue == .double(Double(ask.readerGeneratorWeight)))
        let g = GenerationParameters.answer
        #expect(Setting.temperature.defaultValue == .double(g.temperature))
        #expect(Setting.topK.defaultValue == .int(g.topK))
        #expect(Setting.topP.defaultValue == .double(g.topP))
        #expect(Setting.minP.defaultValue == .double(g.minP))
        #expect(Setting.repeatPenalty.defaultValue == .double(g.repeatPenalty))
        #expect(Setting.maxTokens.defaultValue == .int(g.maxTokens))
        #expect(Setting.mode.kind == .choice(RetrievalMode.allCases.map(\.rawValue)))
        #expect(Setting.style.kind == .choice(AnswerStyle.allCases.map(\.rawValue)))
    }
}
