/// Low-rank adapters (LoRA) over a BERT checkpoint, stored as a small safetensors delta and merged into the weights
/// in memory at load: for layer `i` and each linear layer `NAME` (`attention.self.query`, …, `output.dense`),
/// `i.NAME.lora_a` [r, in] and `i.NAME.lora_b` [out, r] (the scale folded in) give W += B·A, and `i.NAME.bias`
/// replaces the bias; `i.attention.output.LayerNorm.weight/.bias` and `i.output.LayerNorm.weight/.bias` replace the
/// LayerNorms. Any of them may be absent (that part stays the checkpoint's). The span reader's fine-tuned encoder is
/// such a delta (scripts/reader/finetune.py writes it).
import Foundation
import Kernels
import RAGCore

public enum LowRankAdapters {
    static let linearNames = [BertTensor.query, BertTensor.key, BertTensor.value, BertTensor.attentionOutput,
                              BertTensor.intermediate, BertTensor.output]
    static let normNames = [BertTensor.attentionNorm, BertTensor.outputNorm]

    /// A patch that merges `delta`'s adapters into the checkpoint; `id` names it in the encoder's model id.
    /// - Throws (at apply): `model_invalid` for a tensor no encoder layer has, `model_tensor` for a missing tensor or
    ///   one whose shape does not fit the checkpoint's configuration.
    public static func patch(_ delta: SafeTensorsFile, id: String) -> EncoderWeightsPatch {
        EncoderWeightsPatch(id: id) { file, config in try merge(delta, into: file, config: config) }
    }

    /// Whether `delta` holds at least one adapter tensor of this layout.
    public static func isAdapterFile(_ delta: SafeTensorsFile) -> Bool {
        delta.tensors.keys.contains { $0.hasSuffix(".lora_a") }
    }

    static func merge(_ delta: SafeTensorsFile, into file: SafeTensorsFile, config: BertConfiguration) throws {
        let h = config.hiddenSize, ffn = config.intermediateSize
        let known = Set((0..<config.layers).flatMap { i in
            linearNames.flatMap { n in ["lora_a", "lora_b", "bias"].map { "\(i).\(n).\($0)" } }
                + normNames.flatMap { n in ["weight", "bias"].map { "\(i).\(n).\($0)" } }
        })
        if let stray = delta.tensors.keys.sorted().first(where: { !known.contains($0) && !$0.hasPrefix("head.") }) {
            throw RAGError(.modelInvalid, "\(delta.path): tensor \(stray) is not an adapter of a \(config.layers)-layer encoder")
        }
        for i in 0..<config.layers {
            for name in linearNames {
                let (inF, outF) = name == BertTensor.intermediate ? (h, ffn) : name == BertTensor.output ? (ffn, h) : (h, h)
                let key = "\(i).\(name)"
                if let aInfo = delta.tensors[key + ".lora_a"] {
                    guard aInfo.shape.count == 2, aInfo.shape[1] == inF, aInfo.shape[0] >= 1, aInfo.shape[0] <= inF else {
                        throw RAGError.tensor(delta.path, key + ".lora_a", "shape \(aInfo.shape), expected [rank, \(inF)]")
                    }
                    let r = aInfo.shape[0]
                    let a = try delta.float32(key + ".lora_a", shape: [r, inF])
                    let b = try delta.float32(key + ".lora_b", shape: [outF, r])
                    let w = try file.mutableFloat32(BertTensor.layer(i, name) + ".weight", shape: [outF, inF])
                    // W (out × in) += B (out × r) · A (r × in).
                    Sgemm.ab(m: outF, n: inF, k: r, a: b, lda: r, b: a, ldb: inF, beta: 1, c: w, ldc: inF)
                }
                if delta.tensors[key + ".bias"] != nil {
                    try copy(delta.float32(key + ".bias", shape: [outF]),
                             to: file.mutableFloat32(BertTensor.layer(i, name) + ".bias", shape: [outF]), outF)
                }
            }
            for name in normNames {
                for part in ["weight", "bias"] where delta.tensors["\(i).\(name).\(part)"] != nil {
                    try copy(delta.float32("\(i).\(name).\(part)", shape: [h]),
                             to: file.mutableFloat32(BertTensor.layer(i, name) + ".\(part)", shape: [h]), h)
                }
            }
        }
    }

    private static func copy(_ from: UnsafePointer<Float>, to: UnsafeMutablePointer<Float>, _ n: Int) {
        to.update(from: from, count: n)
    }
}
