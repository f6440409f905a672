/// The span reader's trained head: a two-layer perceptron from per-token features to start and end logits,
/// stored as safetensors (`w0` features×hidden with the feature normalisation folded in, `b0`, `w1` hidden×2, `b1`).
import Encoder
import Foundation
import RAGCore

public struct ReaderWeights: @unchecked Sendable {
    public let path: String
    public let features: Int
    public let hidden: Int
    let file: SafeTensorsFile
    let w0: UnsafePointer<Float>
    let b0: UnsafePointer<Float>
    let w1: UnsafePointer<Float>
    let b1: UnsafePointer<Float>

    /// The weights shipped with rag (trained on SQuAD v1.1 dev articles 0–23; see docs/ARCHITECTURE.md).
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
        guard let shape0 = file.tensors["w0"]?.shape, shape0.count == 2, let shape1 = file.tensors["w1"]?.shape,
              shape1.count == 2, shape1[0] == shape0[1], shape1[1] == 2 else {
            throw RAGError(.modelInvalid, "\(path): not a span reader (expects tensors w0 [features, hidden], b0, w1 [hidden, 2], b1)")
        }
        guard shape0[0] == ReaderFeatures.count else {
            throw RAGError(.modelInvalid, "\(path): the reader expects \(shape0[0]) features per token; this build computes \(ReaderFeatures.count)")
        }
        self.path = path
        features = shape0[0]
        hidden = shape0[1]
        w0 = try file.float32("w0", shape: shape0)
        b0 = try file.float32("b0", shape: [hidden])
        w1 = try file.float32("w1", shape: shape1)
        b1 = try file.float32("b1", shape: [2])
    }
}
