/// Hyper-parameters of a Llama-family model, read from GGUF metadata (`<arch>.*` keys).
import RAGCore

public struct LlamaConfig: Sendable, Equatable {
    public var dim: Int          // embedding_length
    public var hiddenDim: Int    // feed_forward_length
    public var layers: Int       // block_count
    public var heads: Int        // attention.head_count
    public var kvHeads: Int      // attention.head_count_kv
    public var vocabSize: Int
    public var contextLength: Int
    public var ropeBase: Float
    public var ropeDim: Int
    public var normEps: Float

    public var headDim: Int { dim / heads }
    public var kvDim: Int { kvHeads * headDim }

    /// Reads the config of a `llama` architecture file; any other architecture is refused by name.
    public init(gguf: GGUFFile) throws {
        let arch = try gguf.string("general.architecture")
        guard arch == "llama" else {
            throw RAGError(.unsupportedArchitecture, "\(gguf.path): architecture \"\(arch)\" is not supported (supported: llama)")
        }
        dim = try gguf.int("llama.embedding_length")
        hiddenDim = try gguf.int("llama.feed_forward_length")
        layers = try gguf.int("llama.block_count")
        heads = try gguf.int("llama.attention.head_count")
        kvHeads = (try? gguf.int("llama.attention.head_count_kv")) ?? heads
        contextLength = try gguf.int("llama.context_length")
        ropeBase = Float((try? gguf.double("llama.rope.freq_base")) ?? 10000)
        normEps = Float(try gguf.double("llama.attention.layer_norm_rms_epsilon"))
        if let v = try? gguf.int("llama.vocab_size") {
            vocabSize = v
        } else {
            vocabSize = (try? gguf.strings("tokenizer.ggml.tokens").count) ?? 0
        }
        let hd = heads > 0 ? dim / heads : 0
        ropeDim = (try? gguf.int("llama.rope.dimension_count")) ?? hd
        guard dim > 0, heads > 0, kvHeads > 0, dim % heads == 0, heads % kvHeads == 0, layers > 0, hiddenDim > 0,
              dim % 32 == 0, hiddenDim % 32 == 0, vocabSize > 0, ropeDim == hd, hd % 2 == 0 else {
            throw RAGError.gguf(gguf.path, "inconsistent llama hyper-parameters (dim \(dim), heads \(heads)/\(kvHeads), rope dim \(ropeDim))")
        }
    }
}
