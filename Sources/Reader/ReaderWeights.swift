/// The span reader's trained weights: low-rank adapters that turn the sentence encoder into a reader (merged into
/// its weights at load, see `LowRankAdapters`) and the start/end head over its last layer (`head.weight` [2, hidden],
/// `head.bias` [2]), one safetensors file written by `scripts/reader/finetune.py`.
import Encoder
import Foundation
import RAGCore

public struct ReaderWeights: @unchecked Sendable {
    public let path: String
    public let hidden: Int
    /// sha256 of the file (part of the reader encoder's model id and of the answer cache's key).
    public let sha256: String
    let file: SafeTensorsFile
    let head: UnsafePointer<Float>
    let headBias: UnsafePointer<Float>

    /// The weights shipped with rag (trained on SQuAD v1.1 dev articles 0–21; see docs/ARCHITECTURE.md).
    /// Looked up beside the executable (`rag_Reader.resources/`, where SwiftPM puts it) rather than through
    /// `Bundle.module`, whose accessor stops the process when the bundle is not there (a binary copied elsewhere).
    public static func bundledPath() -> String? {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let candidates = [Bundle.main.bundleURL, executable.deletingLastPathComponent()].map {
            $0.appendingPathComponent("rag_Reader.resources/span-reader.safetensors").path
        }
        return candidates.first { FileManager.default.fileExists(atPath: $0) }
    }

    public init(path: String) throws {
        file = try SafeTensorsFile(path: path)
        guard let shape = file.tensors["head.weight"]?.shape, shape.count == 2, shape[0] == 2, shape[1] > 0,
              LowRankAdapters.isAdapterFile(file) else {
            throw RAGError(.modelInvalid, "\(path): not a span reader (expects encoder adapters `L.NAME.lora_a/lora_b` and a head `head.weight` [2, hidden], `head.bias` [2])")
        }
        self.path = path
        hidden = shape[1]
        head = try file.float32("head.weight", shape: [2, hidden])
        headBias = try file.float32("head.bias", shape: [2])
        sha256 = ContentHash.sha256Hex(file.bytes)
    }

    /// The adapters as a patch of the encoder's weights.
    public var encoderPatch: EncoderWeightsPatch {
        LowRankAdapters.patch(file, id: "reader-\(sha256.prefix(16))")
    }
}
