/// The ChatML prompt format of the SmolLM2 GGUF's chat template.
import RAGCore

/// ChatML as the GGUF's Jinja template renders it: `<|im_start|>role\ncontent<|im_end|>\n` per message, then
/// `<|im_start|>assistant\n`. Like the template (and unlike llama.cpp's built-in formatter), a conversation whose
/// first message is not a system message gets the template's default system prompt; `rag` always sends one.
public struct ChatMLTemplate: Sendable {
    public var defaultSystemPrompt: String?

    public static let smolLM2DefaultSystemPrompt = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"

    public init(defaultSystemPrompt: String? = ChatMLTemplate.smolLM2DefaultSystemPrompt) {
        self.defaultSystemPrompt = defaultSystemPrompt
    }

    /// Reads the default system prompt out of a GGUF `tokenizer.chat_template` if it is the ChatML shape.
    public init(jinja: String) {
        let text = Array(jinja.utf8)
        func find(_ needle: String, from: Int) -> Int? {
            let n = Array(needle.utf8)
            guard n.count <= text.count else { return nil }
            var i = from
            while i + n.count <= text.count {
                if text[i..<i + n.count].elementsEqual(n) { return i }
                i += 1
            }
            return nil
        }
        let marker = "<|im_start|>system\n"
        if let r = find(marker, from: 0), let e = find("<|im_end|>", from: r + marker.utf8.count) {
            defaultSystemPrompt = String(decoding: text[(r + marker.utf8.count)..<e], as: UTF8.self)
        } else {
            defaultSystemPrompt = nil
        }
    }

    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool = true) -> String {
        var out = ""
        if let sys = defaultSystemPrompt, messages.first?.role != "system" {
            out += "<|im_start|>system\n\(sys)<|im_end|>\n"
        }
        for m in messages { out += "<|im_start|>\(m.role)\n\(m.content)<|im_end|>\n" }
        if addGenerationPrompt { out += "<|im_start|>assistant\n" }
        return out
    }
}
