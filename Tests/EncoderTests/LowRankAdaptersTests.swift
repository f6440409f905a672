/// Low-rank adapters merged into a checkpoint in memory: W += B·A, biases and LayerNorms replaced, the file itself
/// untouched, and deltas that do not fit refused with the tensor named.
@testable import Encoder
import Foundation
import RAGCore
import TestSupport
import Testing

@Suite("Low-rank adapters") struct LowRankAdaptersTests {
    /// A safetensors file of float32 tensors, in the order given.
    static func write(_ tensors: [(String, [Int], [Float])], to path: String) {
        var entries: [String] = []
        var data: [UInt8] = []
        for (name, shape, values) in tensors {
            let begin = data.count
            for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
            entries.append("\"\(name)\":{\"dtype\":\"F32\",\"shape\":\(shape),\"data_offsets\":[\(begin),\(data.count)]}")
        }
        var header = Array(("{" + entries.joined(separator: ",") + "}").utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var bytes: [UInt8] = []
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { bytes.append(contentsOf: $0) }
        FileManager.default.createFile(atPath: path, contents: Data(bytes + header + data))
    }

    @Test("merge: W += B·A, bias and LayerNorm replaced, the checkpoint file unchanged")
    func merges() throws {
        let path = (TestIndex.path("lora") as NSString).deletingLastPathComponent + "/delta.safetensors"
        let h = 384, r = 2
        let a = (0..<(r * h)).map { Float(($0 * 37) % 11) / 10 - 0.5 }
        let b = (0..<(h * r)).map { Float(($0 * 13) % 7) / 20 - 0.15 }
        let bias = (0..<h).map { Float($0) / 1000 }
        let norm = (0..<h).map { 1 + Float($0 % 5) / 100 }
        Self.write([("1.attention.self.query.lora_a", [r, h], a), ("1.attention.self.query.lora_b", [h, r], b),
                    ("1.attention.self.query.bias", [h], bias), ("1.output.LayerNorm.weight", [h], norm)], to: path)
        let weights = Paths.encoderDirectory.appendingPathComponent("model.safetensors").path
        let original = try SafeTensorsFile(path: weights)
        let config = try BertConfiguration(directory: Paths.encoderDirectory)
        let w0 = Array(UnsafeBufferPointer(start: try original.float32("encoder.layer.1.attention.self.query.weight", shape: [h, h]), count: h * h))
        let patched = try SafeTensorsFile(path: weights, writable: true)
        try LowRankAdapters.patch(try SafeTensorsFile(path: path), id: "t").apply(patched, config)
        let w1 = try patched.float32("encoder.layer.1.attention.self.query.weight", shape: [h, h])
        for (o, i) in [(0, 0), (5, 383), (200, 17), (383, 200)] {
            let expected = w0[o * h + i] + b[o * r] * a[i] + b[o * r + 1] * a[h + i]
            #expect(abs(w1[o * h + i] - expected) < 1e-5)
        }
        #expect(Array(UnsafeBufferPointer(start: try patched.float32("encoder.layer.1.attention.self.query.bias", shape: [h]), count: h)) == bias)
        #expect(Array(UnsafeBufferPointer(start: try patched.float32("encoder.layer.1.output.LayerNorm.weight", shape: [h]), count: h)) == norm)
        // Layers the delta does not name keep the checkpoint's weights; the file on disk keeps its own.
        #expect(try patched.float32("encoder.layer.0.attention.self.query.weight", shape: [h, h])[7]
                == original.float32("encoder.layer.0.attention.self.query.weight", shape: [h, h])[7])
        let reread = try SafeTensorsFile(path: weights)
        #expect(Array(UnsafeBufferPointer(start: try reread.float32("encoder.layer.1.attention.self.query.weight", shape: [h, h]), count: h * h)) == w0)
        // A read-only file cannot be patched.
        #expect(throws: RAGError.self) { try LowRankAdapters.patch(try SafeTensorsFile(path: path), id: "t").apply(original, config) }
    }

    @Test("deltas that do not fit: wrong shape or a stray tensor, refused naming the tensor")
    func refusesMisfits() throws {
        let dir = (TestIndex.path("lora-bad") as NSString).deletingLastPathComponent
        let config = try BertConfiguration(directory: Paths.encoderDirectory)
        let weights = Paths.encoderDirectory.appendingPathComponent("model.safetensors").path
        let cases: [([(String, [Int], [Float])], String)] = [
            ([("0.attention.self.key.lora_a", [2, 100], [Float](repeating: 0, count: 200))], "0.attention.self.key.lora_a"),
            ([("0.intermediate.dense.lora_a", [1, 384], [Float](repeating: 0, count: 384)),
              ("0.intermediate.dense.lora_b", [384, 1], [Float](repeating: 0, count: 384))], "0.intermediate.dense.lora_b"),
            ([("9.output.dense.bias", [384], [Float](repeating: 0, count: 384))], "9.output.dense.bias"),
        ]
        for (k, (tensors, named)) in cases.enumerated() {
            let path = dir + "/d\(k).safetensors"
            Self.write(tensors, to: path)
            let file = try SafeTensorsFile(path: weights, writable: true)
            do {
                try LowRankAdapters.patch(try SafeTensorsFile(path: path), id: "t").apply(file, config)
                Issue.record("case \(k) was accepted")
            } catch let error as RAGError {
                #expect(error.message.contains(named), "\(error.message)")
            }
        }
    }
}
