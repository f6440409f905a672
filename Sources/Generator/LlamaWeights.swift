/// The weights of a Llama-family model as views over the memory-mapped GGUF file (no copies).
import RAGCore
import Kernels

/// Checkpoint tensor names, as llama.cpp's converter writes them.
enum TensorName {
    static let tokenEmbedding = "token_embd.weight"
    static let outputNorm = "output_norm.weight"
    static let output = "output.weight"
    static func attnNorm(_ l: Int) -> String { "blk.\(l).attn_norm.weight" }
    static func wq(_ l: Int) -> String { "blk.\(l).attn_q.weight" }
    static func wk(_ l: Int) -> String { "blk.\(l).attn_k.weight" }
    static func wv(_ l: Int) -> String { "blk.\(l).attn_v.weight" }
    static func wo(_ l: Int) -> String { "blk.\(l).attn_output.weight" }
    static func ffnNorm(_ l: Int) -> String { "blk.\(l).ffn_norm.weight" }
    static func gate(_ l: Int) -> String { "blk.\(l).ffn_gate.weight" }
    static func up(_ l: Int) -> String { "blk.\(l).ffn_up.weight" }
    static func down(_ l: Int) -> String { "blk.\(l).ffn_down.weight" }
}

public struct LlamaLayerWeights: @unchecked Sendable {  // read-only views into the mapping
    let attnNorm: UnsafePointer<Float>  // (dim)
    let wq: QuantMatrix                 // (dim, dim)
    let wk: QuantMatrix                 // (kvDim, dim)
    let wv: QuantMatrix                 // (kvDim, dim)
    let wo: QuantMatrix                 // (dim, dim)
    let ffnNorm: UnsafePointer<Float>   // (dim)
    let gate: QuantMatrix               // (hiddenDim, dim)
    let up: QuantMatrix                 // (hiddenDim, dim)
    let down: QuantMatrix               // (dim, hiddenDim)
}

public final class LlamaWeights: @unchecked Sendable {  // immutable; keeps the GGUF mapping alive
    public let file: GGUFFile
    let tokenEmbedding: QuantMatrix       // (vocab, dim)
    let outputNorm: UnsafePointer<Float>  // (dim)
    let output: QuantMatrix               // (vocab, dim), = tokenEmbedding when tied
    let layers: [LlamaLayerWeights]
    public let tiedOutput: Bool

    public init(file: GGUFFile, config c: LlamaConfig) throws {
        self.file = file
        func info(_ name: String) throws -> GGUFTensorInfo {
            guard let t = file.tensor(name) else { throw RAGError.gguf(file.path, "tensor \(name) missing") }
            return t
        }
        func vector(_ name: String, _ n: Int) throws -> UnsafePointer<Float> {
            let t = try info(name)
            guard t.type == .f32, t.elementCount == n else {
                throw RAGError.gguf(file.path, "tensor \(name): expected F32 [\(n)], found \(t.type.name) \(t.shape)")
            }
            return file.pointer(t).assumingMemoryBound(to: Float.self)
        }
        func matrix(_ name: String, rows: Int, cols: Int) throws -> QuantMatrix {
            let t = try info(name)
            guard let fmt = t.type.quantFormat else {
                throw RAGError(.unsupportedTensorType, "\(file.path): tensor \(name) has type \(t.type.name); matrices must be Q4_0, Q4_1 or Q8_0")
            }
            guard t.shape.count == 2, t.shape[0] == cols, t.shape[1] == rows else {
                throw RAGError.gguf(file.path, "tensor \(name): expected shape [\(cols), \(rows)], found \(t.shape)")
            }
            return QuantMatrix(format: fmt, base: file.pointer(t), rows: rows, columns: cols)
        }
        tokenEmbedding = try matrix(TensorName.tokenEmbedding, rows: c.vocabSize, cols: c.dim)
        outputNorm = try vector(TensorName.outputNorm, c.dim)
        if file.tensor(TensorName.output) != nil {
            output = try matrix(TensorName.output, rows: c.vocabSize, cols: c.dim)
            tiedOutput = false
        } else {
            output = tokenEmbedding
            tiedOutput = true
        }
        layers = try (0..<c.layers).map { l in
            LlamaLayerWeights(
                attnNorm: try vector(TensorName.attnNorm(l), c.dim),
                wq: try matrix(TensorName.wq(l), rows: c.dim, cols: c.dim),
                wk: try matrix(TensorName.wk(l), rows: c.kvDim, cols: c.dim),
                wv: try matrix(TensorName.wv(l), rows: c.kvDim, cols: c.dim),
                wo: try matrix(TensorName.wo(l), rows: c.dim, cols: c.dim),
                ffnNorm: try vector(TensorName.ffnNorm(l), c.dim),
                gate: try matrix(TensorName.gate(l), rows: c.hiddenDim, cols: c.dim),
                up: try matrix(TensorName.up(l), rows: c.hiddenDim, cols: c.dim),
                down: try matrix(TensorName.down(l), rows: c.dim, cols: c.hiddenDim))
        }
    }
}
