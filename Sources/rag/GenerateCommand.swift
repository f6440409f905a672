/// `rag generate`: runs the local generator on one prompt and streams the answer (or prints JSON).
import ArgumentParser
import Foundation
import Generator
import RAGCore

struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "generate", abstract: "Generate text with the local GGUF model.")

    @Argument(help: "The prompt. Without --chat it is tokenised as is, special tokens such as <|im_start|> parsed.") var prompt: String
    @Flag(help: "Wrap the prompt as a user message in the model's chat template.") var chat = false
    @Option(help: "Path of the GGUF model (default: <models-dir>/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf).") var model: String?
    @OptionGroup var modelOptions: ModelOptions
    var modelPath: String { model ?? GeneratorModel.path(modelOptions.directory) }
    @OptionGroup var generation: GenerationOptions
    @OptionGroup var configOptions: ConfigOptions
    @Option(help: "Threads (default: all cores, adapted per step).") var threads: Int?
    @Option(name: .customLong("context"), help: "Context length in tokens.") var contextLength: Int = 8192
    @Flag(help: "Print one JSON object instead of streaming text.") var json = false

    func run() async throws {
        let params = try generation.parameters(contextLength: contextLength)
        let request = GenerationRequest(prompt: chat ? .chat([ChatMessage(role: "user", content: prompt)]) : .text(prompt), parameters: params)
        do {
            let engine = try LocalGenerator(modelPath: modelPath, threads: threads, contextLength: contextLength)
            var summary: GenerationSummary?
            for try await event in engine.generate(request) {
                switch event {
                case .text(let t):
                    if !json { FileHandle.standardOutput.write(Data(t.utf8)) }
                case .finished(let s):
                    summary = s
                }
            }
            guard let s = summary else { return }
            if json {
                print(GenerateCommand.json(s))
            } else {
                print("")
            }
        } catch let e as RAGError {
            FileHandle.standardError.write(Data("error: \(e.message)\n".utf8))
            throw ExitCode(e.code.exitCode)
        }
    }

    static func json(_ s: GenerationSummary) -> String {
        let t = s.timings
        let obj: [String: Any] = [
            "prompt_token_ids": s.promptTokenIDs.map(Int.init),
            "completion_token_ids": s.completionTokenIDs.map(Int.init),
            "text": s.text,
            "finish_reason": s.finishReason.rawValue,
            "timings": [
                "prompt_tokens": s.promptTokens,
                "cached_prompt_tokens": s.cachedPromptTokens,
                "completion_tokens": s.completionTokens,
                "prompt_seconds": t.promptSeconds,
                "generation_seconds": t.generationSeconds,
                "ttft_seconds": t.timeToFirstTokenSeconds,
                "prompt_tokens_per_second": t.promptTokensPerSecond,
                "completion_tokens_per_second": t.generationSeconds > 0 ? Double(max(0, s.completionTokens - 1)) / t.generationSeconds : 0,
            ] as [String: Any],
        ]
        let data = (try? JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}

extension GenerateCommand: SettingsCommand {
    /// `rag generate` reads no index: settings come from --config or RAG_CONFIG only.
    var settingsIndexPath: String? { nil }
    func validateSettings() throws {}
}
