/// `rag ask`: a grounded answer with numbered sources, streamed to the terminal as it is generated.
import Answering
import ArgumentParser
import Backends
import Encoder
import Foundation
import Generator
import RAGCore
import Reader
import Retrieval
import Store

struct AskCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ask",
        abstract: "Answer a question from the indexed documents, with citations.")

    @OptionGroup var indexOptions: IndexOptions
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var encoderOptions: EncoderOptions
    @OptionGroup var answering: AnswerEngineOptions
    @OptionGroup var configOptions: ConfigOptions
    @Flag(help: "Do not read or write the answer cache.") var noCache = false
    @Flag(help: "Print one JSON object.") var json = false
    @Argument(help: "The question.") var question: String

    func validate() throws {
        guard !question.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw ValidationError("the question is empty") }
    }

    func run() async throws {
        // Built first, so a bad value is reported before any file is opened.
        _ = try answering.parameters()
        guard FileManager.default.fileExists(atPath: indexOptions.path) else {
            throw RAGError(.indexNotFound, "no index at \(indexOptions.path): run `rag ingest PATH --index \(indexOptions.path)` first")
        }
        // Read-write: the answer cache is written to the index.
        let store = try IndexStore(path: indexOptions.path)
        let (engine, options) = try await answering.engine(store: store, modelOptions: modelOptions, encoderOptions: encoderOptions,
                                                           cache: noCache ? nil : AnswerCache(store: store), questions: [question])
        let streaming = !json
        let answer = try await engine.answer(question, options: options) { delta in
            if streaming {
                FileHandle.standardOutput.write(Data(delta.utf8))
            }
        }
        if json {
            try printJSON(answer)
            return
        }
        print("")
        if answer.grounded {
            print("")
            print(answer.uncited ? "Sources (given to the model, none cited):" : "Sources:")
            for s in answer.sources {
                let heading = s.headingPath.isEmpty ? "" : " — \(s.headingPath)"
                print("  [\(s.n)] \(s.path)\(heading)")
            }
            if answer.truncatedContext { print("(some retrieved context did not fit in the generator's window)") }
        }
    }
}

extension AskCommand: SettingsCommand {
    var settingsIndexPath: String? { indexOptions.path }
    func validateSettings() throws {
        try validate()
        try encoderOptions.validate()
        try answering.validate()
    }
}

extension AnswerStyle: ExpressibleByArgument {}
