/// The safetensors reader on 10,000 seeded mutations of a small valid file: parsed or refused, never a crash.
import Encoder
import Foundation
import RAGCore
import Testing

@Suite struct SafeTensorsFuzzTests {
    static func file(header: String, data: Int) -> [UInt8] {
        var h = Array(header.utf8)
        while (8 + h.count) % 8 != 0 { h.append(0x20) }
        return withUnsafeBytes(of: UInt64(h.count).littleEndian) { Array($0) } + h + [UInt8](repeating: 0x3F, count: data)
    }

    static let header = #"{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"b":{"dtype":"F32","shape":[3],"data_offsets":[24,36]}}"#
    static let hostileNumbers = ["0", "-1", "4611686018427387904", "9223372036854775807", "18446744073709551615", "1e300", "2147483648", "36", "12"]

    static func mutate(_ rng: inout SplitMix64) -> [UInt8] {
        var text = header
        // Replace some numbers of the header with hostile ones (shape and offset arithmetic).
        for _ in 0..<(1 + Int(rng.next() % 3)) {
            let digits = text.indices.filter { text[$0].isNumber }
            guard !digits.isEmpty else { break }
            let start = digits[Int(rng.next() % UInt64(digits.count))]
            var end = start
            while end < text.endIndex, text[end].isNumber { end = text.index(after: end) }
            text.replaceSubrange(start..<end, with: hostileNumbers[Int(rng.next() % UInt64(hostileNumbers.count))])
        }
        var b = file(header: text, data: 36)
        switch rng.next() % 4 {
        case 0: b[Int(rng.next() % UInt64(b.count))] ^= UInt8(1 << (rng.next() % 8))
        case 1: b = Array(b.prefix(Int(rng.next() % UInt64(b.count + 1))))
        case 2:  // a hostile header length
            let v: UInt64 = [0, 1, 7, 1 << 62, UInt64.max, UInt64(b.count)][Int(rng.next() % 6)]
            withUnsafeBytes(of: v.littleEndian) { for k in 0..<min(8, b.count) { b[k] = $0[k] } }
        default: break
        }
        return b
    }

    @Test func tenThousandMutatedFilesParseOrAreRefusedWithoutCrashing() throws {
        let path = NSTemporaryDirectory() + "st-fuzz-\(UUID().uuidString).safetensors"
        defer { try? FileManager.default.removeItem(atPath: path) }
        FileManager.default.createFile(atPath: path, contents: Data(Self.file(header: Self.header, data: 36)))
        _ = try SafeTensorsFile(path: path)
        // The case the security review found: [2^62, 4] F32 with an empty range wrapped to 0 bytes and was accepted.
        FileManager.default.createFile(atPath: path, contents: Data(Self.file(
            header: #"{"w":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,0]}}"#, data: 8)))
        #expect(throws: RAGError.self) { try SafeTensorsFile(path: path) }
        var rng = SplitMix64(seed: 27112026)
        var refused = 0
        for _ in 0..<10_000 {
            FileManager.default.createFile(atPath: path, contents: Data(Self.mutate(&rng)))
            do { _ = try SafeTensorsFile(path: path) } catch is RAGError { refused += 1 }
        }
        #expect(refused > 1000)
    }
}
