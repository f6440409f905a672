/// The BERT encoder forward pass (as in llama2.c: immutable config and weights viewing the memory-mapped file,
/// a mutable per-worker workspace). Sequences of a batch are packed back to back, no padding: every op but attention
/// is row-wise, and attention runs per sequence over its own tokens only — what the padding mask achieves.
import Foundation
import Kernels

/// Checkpoint tensor names (Hugging Face `BertModel`).
enum BertTensor {
    static let wordEmbeddings = "embeddings.word_embeddings.weight"
    static let positionEmbeddings = "embeddings.position_embeddings.weight"
    static let tokenTypeEmbeddings = "embeddings.token_type_embeddings.weight"
    static let embeddingsNormWeight = "embeddings.LayerNorm.weight"
    static let embeddingsNormBias = "embeddings.LayerNorm.bias"
    static func layer(_ i: Int, _ suffix: String) -> String { "encoder.layer.\(i).\(suffix)" }
    static let query = "attention.self.query"
    static let key = "attention.self.key"
    static let value = "attention.self.value"
    static let attentionOutput = "attention.output.dense"
    static let attentionNorm = "attention.output.LayerNorm"
    static let intermediate = "intermediate.dense"
    static let output = "output.dense"
    static let outputNorm = "output.LayerNorm"
}

/// Numeric precision of the linear layers.
public enum EncoderPrecision: String, Sendable, CaseIterable {
    /// float32 weights and products (OpenBLAS sgemm): the reference's numbers.
    case fp32
    /// int8 weights per output channel, activations quantised per row (14-bit), int32 accumulation.
    case int8

    /// The precision an index's vectors were made with (its model id reads "minilm/<precision>@sha256:…"); fp32
    /// when the id is missing or says nothing else.
    public init(modelID id: String?) {
        guard let id, let slash = id.firstIndex(of: "/"), let at = id.firstIndex(of: "@"), slash < at,
              let p = EncoderPrecision(rawValue: String(id[id.index(after: slash)..<at])) else {
            self = .fp32
            return
        }
        self = p
    }
}

/// A `Linear` layer: y = x · Wᵀ + b with W (out × in) viewing the checkpoint, optionally with an int8 copy.
struct LinearLayer: @unchecked Sendable {
    let inFeatures: Int
    let outFeatures: Int
    let weight: UnsafePointer<Float>  // (out, in)
    let bias: UnsafePointer<Float>    // (out)
    let quantized: Int8Matrix?

    init(_ file: SafeTensorsFile, _ prefix: String, in inFeatures: Int, out outFeatures: Int, precision: EncoderPrecision) throws {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        weight = try file.float32(prefix + ".weight", shape: [outFeatures, inFeatures])
        bias = try file.float32(prefix + ".bias", shape: [outFeatures])
        quantized = precision == .int8 ? Int8Matrix(quantizingRows: weight, rows: outFeatures, cols: inFeatures) : nil
    }

    /// out (rows × outFeatures) = x (rows × inFeatures) · Wᵀ, without the bias (fused into the next op).
    /// `sameInputAsBefore`: x is the input of the previous call on this workspace (int8 reuses its quantisation).
    func callAsFunction(_ x: UnsafePointer<Float>, rows: Int, out: UnsafeMutablePointer<Float>, workspace: BertWorkspace,
                        sameInputAsBefore: Bool = false) {
        if let quantized {
            Int8Gemm.linear(x: x, rows: rows, weights: quantized, out: out,
                            scratchCodes: workspace.codes, scratchScales: workspace.rowScales,
                            reuseQuantized: sameInputAsBefore)
        } else {
            Sgemm.abT(m: rows, n: outFeatures, k: inFeatures, a: x, lda: inFeatures, b: weight, ldb: inFeatures,
                      c: out, ldc: outFeatures)
        }
    }
}

struct BertLayerWeights: @unchecked Sendable {
    let query, key, value, attentionOutput, intermediate, output: LinearLayer
    let attentionNormWeight, attentionNormBias, outputNormWeight, outputNormBias: UnsafePointer<Float>  // (hidden)
}

/// The weights of a BERT encoder; immutable and shared by all workers.
final class BertModel: @unchecked Sendable {
    let config: BertConfiguration
    let file: SafeTensorsFile
    let wordEmbeddings: UnsafePointer<Float>      // (vocab, hidden)
    let positionEmbeddings: UnsafePointer<Float>  // (maxPositions, hidden)
    let tokenTypeEmbeddings: UnsafePointer<Float> // (typeVocab, hidden)
    let embeddingsNormWeight: UnsafePointer<Float>
    let embeddingsNormBias: UnsafePointer<Float>
    let layers: [BertLayerWeights]

    init(config: BertConfiguration, file: SafeTensorsFile, precision: EncoderPrecision) throws {
        self.config = config
        self.file = file
        let h = config.hiddenSize, ffn = config.intermediateSize
        wordEmbeddings = try file.float32(BertTensor.wordEmbeddings, shape: [config.vocabularySize, h])
        positionEmbeddings = try file.float32(BertTensor.positionEmbeddings, shape: [config.maxPositions, h])
        tokenTypeEmbeddings = try file.float32(BertTensor.tokenTypeEmbeddings, shape: [config.typeVocabularySize, h])
        embeddingsNormWeight = try file.float32(BertTensor.embeddingsNormWeight, shape: [h])
        embeddingsNormBias = try file.float32(BertTensor.embeddingsNormBias, shape: [h])
        layers = try (0..<config.layers).map { i in
            func linear(_ name: String, _ inF: Int, _ outF: Int) throws -> LinearLayer {
                try LinearLayer(file, BertTensor.layer(i, name), in: inF, out: outF, precision: precision)
            }
            func vector(_ name: String) throws -> UnsafePointer<Float> {
                try file.float32(BertTensor.layer(i, name), shape: [h])
            }
            return BertLayerWeights(
                query: try linear(BertTensor.query, h, h),
                key: try linear(BertTensor.key, h, h),
                value: try linear(BertTensor.value, h, h),
                attentionOutput: try linear(BertTensor.attentionOutput, h, h),
                intermediate: try linear(BertTensor.intermediate, h, ffn),
                output: try linear(BertTensor.output, ffn, h),
                attentionNormWeight: try vector(BertTensor.attentionNorm + ".weight"),
                attentionNormBias: try vector(BertTensor.attentionNorm + ".bias"),
                outputNormWeight: try vector(BertTensor.outputNorm + ".weight"),
                outputNormBias: try vector(BertTensor.outputNorm + ".bias"))
        }
    }

    /// Runs the encoder over `sequences` (token ids with specials, each at most maxPositions long) packed in
    /// `workspace`, leaving the last hidden states in `workspace.hidden` (tokens × hidden), sequence after sequence.
    ///
    /// `tokenTypes` (one list per sequence, same lengths; nil: all type 0) selects the segment embeddings of a
    /// sentence pair; `capture` is called after each encoder layer with the layer's index and its hidden states.
    /// `layerLimit` runs only the first that many layers (a distilled query encoder's truncated stack).
    func forward(_ sequences: [[Int32]], workspace ws: BertWorkspace, tokenTypes: [[Int32]]? = nil, layerLimit: Int? = nil,
                 capture: ((Int, UnsafePointer<Float>) -> Void)? = nil) {
        let h = config.hiddenSize, ffn = config.intermediateSize
        let heads = config.heads, d = config.headDim
        let total = sequences.reduce(0) { $0 + $1.count }
        precondition(total <= ws.maxTokens, "batch larger than the workspace")
        let eps = config.layerNormEps

        // Embeddings: word + position + token type (0 unless given), then LayerNorm.
        var row = 0
        for (s, seq) in sequences.enumerated() {
            for (position, id) in seq.enumerated() {
                let dst = ws.hidden + row * h
                let word = wordEmbeddings + Int(id) * h
                let pos = positionEmbeddings + position * h
                let typeID = tokenTypes.map { Int($0[s][position]) } ?? 0
                let type = tokenTypeEmbeddings + min(max(typeID, 0), config.typeVocabularySize - 1) * h
                for c in 0..<h { dst[c] = word[c] + pos[c] + type[c] }
                row += 1
            }
        }
        LayerNorm.apply(rows: total, cols: h, x: ws.hidden, gamma: embeddingsNormWeight, beta: embeddingsNormBias, eps: eps)

        let scale = 1 / Float(d).squareRoot()
        for (index, layer) in layers.prefix(layerLimit ?? layers.count).enumerated() {
            // Self-attention projections (T × h each).
            layer.query(ws.hidden, rows: total, out: ws.q, workspace: ws)
            layer.key(ws.hidden, rows: total, out: ws.k, workspace: ws, sameInputAsBefore: true)
            layer.value(ws.hidden, rows: total, out: ws.v, workspace: ws, sameInputAsBefore: true)
            Rows.addBias(rows: total, cols: h, x: ws.q, bias: layer.query.bias)
            Rows.addBias(rows: total, cols: h, x: ws.k, bias: layer.key.bias)
            Rows.addBias(rows: total, cols: h, x: ws.v, bias: layer.value.bias)
            // Attention per sequence and head: softmax(Q Kᵀ / √d) V, over the sequence's own tokens.
            var start = 0
            for seq in sequences {
                let n = seq.count
                for head in 0..<heads {
                    let off = start * h + head * d
                    Sgemm.abT(m: n, n: n, k: d, alpha: scale, a: ws.q + off, lda: h, b: ws.k + off, ldb: h,
                              c: ws.scores, ldc: n)
                    Softmax.rows(n, cols: n, x: ws.scores, ld: n)
                    Sgemm.ab(m: n, n: d, k: n, a: ws.scores, lda: n, b: ws.v + off, ldb: h, c: ws.context + off, ldc: h)
                }
                start += n
            }
            // Output projection, bias, residual, LayerNorm → attended (T × h).
            layer.attentionOutput(ws.context, rows: total, out: ws.attended, workspace: ws)
            LayerNorm.apply(rows: total, cols: h, x: ws.attended, residual: ws.hidden, bias: layer.attentionOutput.bias,
                            gamma: layer.attentionNormWeight, beta: layer.attentionNormBias, eps: eps)
            // Feed-forward: GELU(x W1ᵀ + b1) W2ᵀ + b2, residual, LayerNorm → hidden.
            layer.intermediate(ws.attended, rows: total, out: ws.ffn, workspace: ws)
            GELU.apply(rows: total, cols: ffn, x: ws.ffn, bias: layer.intermediate.bias)
            layer.output(ws.ffn, rows: total, out: ws.hidden, workspace: ws)
            LayerNorm.apply(rows: total, cols: h, x: ws.hidden, residual: ws.attended, bias: layer.output.bias,
                            gamma: layer.outputNormWeight, beta: layer.outputNormBias, eps: eps)
            capture?(index, UnsafePointer(ws.hidden))
        }
    }
}

/// Scratch buffers of one worker, sized for `maxTokens` packed tokens and sequences up to `maxSequence`.
final class BertWorkspace {
    let maxTokens: Int
    let hidden: UnsafeMutablePointer<Float>    // (maxTokens, h)
    let q: UnsafeMutablePointer<Float>         // (maxTokens, h)
    let k: UnsafeMutablePointer<Float>         // (maxTokens, h)
    let v: UnsafeMutablePointer<Float>         // (maxTokens, h)
    let context: UnsafeMutablePointer<Float>   // (maxTokens, h)
    let attended: UnsafeMutablePointer<Float>  // (maxTokens, h)
    let ffn: UnsafeMutablePointer<Float>       // (maxTokens, intermediate)
    let scores: UnsafeMutablePointer<Float>    // (maxSequence, maxSequence)
    let codes: UnsafeMutablePointer<Int16>     // (maxTokens, max(h, intermediate) rounded up to 32) quantised activations
    let rowScales: UnsafeMutablePointer<Float> // (maxTokens)
    private let all: [UnsafeMutableRawPointer]

    init(config: BertConfiguration, maxTokens: Int, maxSequence: Int) {
        self.maxTokens = maxTokens
        let h = config.hiddenSize
        func floats(_ n: Int) -> UnsafeMutablePointer<Float> { .allocate(capacity: max(n, 1)) }
        hidden = floats(maxTokens * h)
        q = floats(maxTokens * h)
        k = floats(maxTokens * h)
        v = floats(maxTokens * h)
        context = floats(maxTokens * h)
        attended = floats(maxTokens * h)
        ffn = floats(maxTokens * config.intermediateSize)
        scores = floats(maxSequence * maxSequence)
        codes = .allocate(capacity: maxTokens * ((max(h, config.intermediateSize) + 31) & ~31))
        rowScales = floats(maxTokens)
        all = [hidden, q, k, v, context, attended, ffn, scores, rowScales].map { UnsafeMutableRawPointer($0) }
            + [UnsafeMutableRawPointer(codes)]
    }

    deinit {
        for p in all { p.deallocate() }
    }
}
