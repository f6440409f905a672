/// A generation backend with a known chat template in front of a remote pool, so prompts can be primed.
import RAGCore
import Tokenizers

/// A remote backend whose model's chat template is known here (the same GGUF as the local model).
struct TemplatedBackend: GenerationBackend {
    let base: any GenerationBackend
    let template: ChatMLTemplate
    var contextLength: Int { base.contextLength }
    func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationEvent, any Error> { base.generate(request) }
    func renderChat(_ messages: [ChatMessage]) -> String? { template.render(messages) }
}
