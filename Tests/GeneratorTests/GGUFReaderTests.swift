/// The GGUF reader on the real model and on small hand-made files: clear errors, never a crash.
import RAGCore
import Foundation
import Generator
import Testing

/// Writes minimal GGUF files for tests.
struct GGUFWriter {
    var version: UInt32 = 3
    var kvs: [(String, UInt32, [UInt8])] = []
    var tensors: [(String, [UInt64], UInt32, [UInt8])] = []

    static func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
    static func str(_ s: String) -> [UInt8] { le(UInt64(s.utf8.count)) + Array(s.utf8) }

    mutating func string(_ k: String, _ v: String) { kvs.append((k, 8, GGUFWriter.str(v))) }
    mutating func u32(_ k: String, _ v: UInt32) { kvs.append((k, 4, GGUFWriter.le(v))) }

    func bytes() -> [UInt8] {
        var b = Array("GGUF".utf8) + GGUFWriter.le(version) + GGUFWriter.le(UInt64(tensors.count)) + GGUFWriter.le(UInt64(kvs.count))
        for (k, t, v) in kvs { b += GGUFWriter.str(k) + GGUFWriter.le(t) + v }
        var offset: UInt64 = 0
        for (name, shape, type, data) in tensors {
            b += GGUFWriter.str(name) + GGUFWriter.le(UInt32(shape.count))
            for d in shape { b += GGUFWriter.le(d) }
            b += GGUFWriter.le(type) + GGUFWriter.le(offset)
            offset += UInt64((data.count + 31) / 32 * 32)
        }
        while b.count % 32 != 0 { b.append(0) }
        for (_, _, _, data) in tensors {
            b += data
            while b.count % 32 != 0 { b.append(0) }
        }
        return b
    }
}

@Suite struct GGUFReaderTests {
    func temp(_ bytes: [UInt8]) -> String {
        let path = NSTemporaryDirectory() + "gguf-test-\(UUID().uuidString).gguf"
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }

    func error(_ path: String) -> RAGError? {
        do { _ = try LocalGenerator(modelPath: path, threads: 1); return nil } catch let e as RAGError { return e } catch { return nil }
    }

    @Test func readsTheModelsHeaderMetadataAndTensors() throws {
        _ = try Fixture.engine()
        let f = try GGUFFile(path: Fixture.modelPath)
        #expect(f.version == 3)
        #expect(f.tensors.count == 272)
        #expect(f.metadata.count == 33)
        #expect(f.alignment == 32)
        #expect(f.dataOffset == 1785664)
        #expect(try f.string("general.architecture") == "llama")
        #expect(try f.double("llama.rope.freq_base") == 100000)
        #expect(try f.strings("tokenizer.ggml.merges").count == 48900)
        let emb = try #require(f.tensor("token_embd.weight"))
        #expect(emb.type == .q8_0 && emb.shape == [576, 49152] && emb.fileOffset == 1785664 && emb.byteCount == 30081024)
        #expect(f.tensor("blk.0.ffn_down.weight")?.type == .q4_1)
        #expect(f.tensor("output.weight") == nil)
        let engine = try Fixture.engine()
        #expect(engine.model.weights.tiedOutput)
        #expect(engine.model.config.ropeBase == 100000 && engine.model.config.kvHeads == 3 && engine.model.config.layers == 30)
    }

    @Test func aFileThatIsNotGGUFIsRefused() {
        let e = error(temp(Array("this is plain text, not a model".utf8)))
        #expect(e?.code.rawValue == "invalid_model")
        #expect(e?.message.contains("not a GGUF file") == true)
        #expect(error(temp([]))?.message.contains("not a GGUF file") == true)
    }

    @Test func aMissingFileNamesFetchModels() {
        let e = error("/nonexistent/model.gguf")
        #expect(e?.code.rawValue == "model_not_found")
        #expect(e?.message.contains("scripts/fetch-models") == true)
    }

    @Test func aTruncatedModelIsRefusedNamingTruncation() throws {
        _ = try Fixture.engine()
        let handle = try #require(FileHandle(forReadingAtPath: Fixture.modelPath))
        for n in [10, 5000, 2_000_000] {
            let head = [UInt8](try handle.read(upToCount: n) ?? Data())
            try handle.seek(toOffset: 0)
            let e = error(temp(head))
            #expect(e?.message.contains("truncated") == true, "\(n) bytes: \(e?.message ?? "no error")")
        }
    }

    @Test func anUnsupportedVersionIsNamed() {
        var w = GGUFWriter()
        w.version = 1
        #expect(error(temp(w.bytes()))?.message.contains("unsupported GGUF version 1") == true)
    }

    @Test func anUnsupportedArchitectureIsNamed() {
        var w = GGUFWriter()
        w.string("general.architecture", "mamba")
        let e = error(temp(w.bytes()))
        #expect(e?.code.rawValue == "unsupported_architecture")
        #expect(e?.message.contains("mamba") == true)
    }

    @Test func anUnsupportedTensorTypeIsNamed() {
        var w = GGUFWriter()
        w.string("general.architecture", "llama")
        w.tensors.append(("blk.0.attn_q.weight", [256, 2], 12, [UInt8](repeating: 0, count: 288)))  // Q4_K
        let e = error(temp(w.bytes()))
        #expect(e?.code.rawValue == "unsupported_tensor_type")
        #expect(e?.message.contains("Q4_K") == true && e?.message.contains("blk.0.attn_q.weight") == true)
    }

    @Test func aTensorPastTheEndOfTheFileIsRefused() {
        var w = GGUFWriter()
        w.tensors.append(("x", [64], 0, [UInt8](repeating: 0, count: 256)))
        var b = w.bytes()
        b.removeLast(100)
        #expect(error(temp(b))?.message.contains("truncated: tensor x") == true)
    }
}
