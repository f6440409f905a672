/// The GGUF reader on 10,000 seeded mutations of a small valid file: every one parses or is refused, none crashes.
import Foundation
import Generator
import RAGCore
import Testing

@Suite struct GGUFFuzzTests {
    /// A small valid GGUF: string, integer and array metadata, two F32 tensors and a Q8_0 one.
    static func seedFile() -> [UInt8] {
        var w = GGUFWriter()
        w.string("general.architecture", "llama")
        w.u32("llama.context_length", 64)
        // An array of three u32 (type 9, element type 4).
        w.kvs.append(("tokenizer.ggml.token_type", 9, GGUFWriter.le(UInt32(4)) + GGUFWriter.le(UInt64(3))
                      + GGUFWriter.le(UInt32(1)) + GGUFWriter.le(UInt32(3)) + GGUFWriter.le(UInt32(6))))
        w.tensors.append(("a", [8, 2], 0, [UInt8](repeating: 1, count: 64)))
        w.tensors.append(("b", [4], 0, [UInt8](repeating: 2, count: 16)))
        w.tensors.append(("c", [32], 8, [UInt8](repeating: 3, count: 34)))
        return w.bytes()
    }

    /// Values that break size arithmetic when written over a length, count, dimension or offset.
    static let hostile: [UInt64] = [0, 1, 0xFF, 1 << 31, 1 << 32, 1 << 39, 1 << 40, 1 << 62, 1 << 63, UInt64.max, UInt64.max - 7]

    static func mutate(_ seed: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var b = seed
        for _ in 0..<(1 + Int(rng.next() % 4)) {
            switch rng.next() % 5 {
            case 0:  // flip a bit
                let i = Int(rng.next() % UInt64(b.count)); b[i] ^= UInt8(1 << (rng.next() % 8))
            case 1:  // a random byte
                let i = Int(rng.next() % UInt64(b.count)); b[i] = UInt8(truncatingIfNeeded: rng.next())
            case 2:  // a hostile 64-bit value at an 8-byte-aligned or random position
                guard b.count > 8 else { break }
                let v = hostile[Int(rng.next() % UInt64(hostile.count))]
                let i = rng.next() % 2 == 0 ? Int(rng.next() % UInt64(b.count / 8)) * 8 : Int(rng.next() % UInt64(b.count - 8))
                guard i + 8 <= b.count else { break }
                withUnsafeBytes(of: v.littleEndian) { for k in 0..<8 { b[i + k] = $0[k] } }
            case 3:  // truncate
                b = Array(b.prefix(Int(rng.next() % UInt64(b.count + 1))))
                if b.isEmpty { b = [0x47] }
            default:  // a hostile 32-bit value (counts, types, n_dims)
                guard b.count > 4 else { break }
                let i = Int(rng.next() % UInt64(b.count - 4))
                let v = UInt32(truncatingIfNeeded: hostile[Int(rng.next() % UInt64(hostile.count))])
                withUnsafeBytes(of: v.littleEndian) { for k in 0..<4 { b[i + k] = $0[k] } }
            }
        }
        return b
    }

    @Test func tenThousandMutatedFilesParseOrAreRefusedWithoutCrashing() throws {
        let seed = Self.seedFile()
        let path = NSTemporaryDirectory() + "gguf-fuzz-\(UUID().uuidString).gguf"
        defer { try? FileManager.default.removeItem(atPath: path) }
        // The seed itself is valid: mutations start from a file the reader accepts.
        FileManager.default.createFile(atPath: path, contents: Data(seed))
        let parsed = try GGUFFile(path: path)
        #expect(parsed.tensors.count == 3)
        var rng = SplitMix64(seed: 20261127)
        var refused = 0, accepted = 0
        for _ in 0..<10_000 {
            FileManager.default.createFile(atPath: path, contents: Data(Self.mutate(seed, &rng)))
            do {
                let f = try GGUFFile(path: path)
                // Whatever was accepted lies inside the file.
                for t in f.tensors { #expect(t.fileOffset >= 0 && t.fileOffset + t.byteCount <= f.fileSize) }
                accepted += 1
            } catch let e as RAGError {
                #expect(e.message.contains(path))
                refused += 1
            }
        }
        #expect(refused > 1000 && accepted + refused == 10_000)
    }
}
