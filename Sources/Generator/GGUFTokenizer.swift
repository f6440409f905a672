/// Builds the byte-level BPE tokenizer and chat template from a GGUF file's `tokenizer.*` metadata.
import RAGCore
import Tokenizers

extension BPETokenizer {
    /// The tokenizer a GGUF file describes (`tokenizer.ggml.model` must be "gpt2": byte-level BPE).
    public convenience init(gguf: GGUFFile) throws {
        let model = try gguf.string("tokenizer.ggml.model")
        guard model == "gpt2" else {
            throw RAGError(.unsupportedTokenizer, "\(gguf.path): tokenizer.ggml.model \"\(model)\" is not supported (supported: gpt2)")
        }
        let preName = (try? gguf.string("tokenizer.ggml.pre")) ?? "default"
        guard let pre = BPEPreTokenizer(ggufName: preName) else {
            throw RAGError(.unsupportedTokenizer, "\(gguf.path): pre-tokenizer \"\(preName)\" is not supported (supported: \(BPEPreTokenizer.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let tokens = try gguf.strings("tokenizer.ggml.tokens")
        let merges = try gguf.strings("tokenizer.ggml.merges")
        let types = gguf.metadata["tokenizer.ggml.token_type"] != nil ? try gguf.ints("tokenizer.ggml.token_type") : []
        let bos = (try? gguf.int("tokenizer.ggml.bos_token_id")).map { Int32($0) }
        let eos = (try? gguf.int("tokenizer.ggml.eos_token_id")).map { Int32($0) }
        let addBOS = gguf.metadata["tokenizer.ggml.add_bos_token"]?.bool ?? false
        // End of generation as llama.cpp derives it: EOS, EOT, and control tokens named like an end marker.
        var eog = Set<Int32>()
        if let e = eos { eog.insert(e) }
        if let e = try? gguf.int("tokenizer.ggml.eot_token_id") { eog.insert(Int32(e)) }
        for name in ["<|endoftext|>", "<|im_end|>", "<|eot_id|>", "<|end|>", "<end_of_turn>"] {
            if let i = tokens.firstIndex(of: name), types.isEmpty || types[i] == 3 { eog.insert(Int32(i)) }
        }
        do {
            try self.init(tokens: tokens, merges: merges, types: types, preTokenizer: pre, bosID: bos, eosID: eos,
                          addBOS: addBOS, endOfGenerationIDs: eog)
        } catch let e as RAGError {
            throw RAGError(.invalidModel, "\(gguf.path): \(e.message)")
        }
    }
}

extension ChatMLTemplate {
    /// The template of a GGUF (`tokenizer.chat_template`), which must be ChatML.
    public init(gguf: GGUFFile) throws {
        guard let jinja = gguf.metadata["tokenizer.chat_template"]?.string else {
            self.init(defaultSystemPrompt: nil)
            return
        }
        guard jinja.contains("<|im_start|>") else {
            throw RAGError(.unsupportedChatTemplate, "\(gguf.path): tokenizer.chat_template is not ChatML")
        }
        self.init(jinja: jinja)
    }
}
