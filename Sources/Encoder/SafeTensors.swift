/// A read-only, memory-mapped safetensors file: 8-byte little-endian header length, a JSON header mapping tensor
/// names to dtype, shape and byte range, then the raw data. Tensors are views into the mapping, never copies.
import RAGCore
import Foundation

public final class SafeTensorsFile: @unchecked Sendable {
    // Immutable after init; the mapping lives until deinit.

    public enum DType: String, Sendable {
        case f32 = "F32", f16 = "F16", bf16 = "BF16", f64 = "F64", i64 = "I64", i32 = "I32", i16 = "I16",
             i8 = "I8", u8 = "U8", bool = "BOOL"

        public var size: Int {
            switch self {
            case .f64, .i64: 8
            case .f32, .i32: 4
            case .f16, .bf16, .i16: 2
            case .i8, .u8, .bool: 1
            }
        }
    }

    public struct TensorInfo: Sendable {
        public let dtype: DType
        public let shape: [Int]
        /// Byte range within the data section (after the header).
        public let range: Range<Int>
    }

    public let path: String
    public let tensors: [String: TensorInfo]
    /// Whether tensors may be changed in memory (see `init(path:writable:)`).
    public let writable: Bool
    private let base: UnsafeMutableRawPointer
    private let mappedLength: Int
    private let dataStart: Int

    /// `writable`: a private copy-on-write mapping whose tensors may be changed in memory (`mutableFloat32`); the file
    /// itself is never written.
    public init(path: String, writable: Bool = false) throws {
        self.path = path
        self.writable = writable
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw RAGError.missing(path) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw RAGError.missing(path) }
        let length = Int(st.st_size)
        guard length >= 8 else { throw RAGError.corrupt(path, "\(length) bytes, shorter than the 8-byte header length") }
        guard let mapped = mmap(nil, length, writable ? PROT_READ | PROT_WRITE : PROT_READ, MAP_PRIVATE, fd, 0), mapped != MAP_FAILED else {
            throw RAGError.corrupt(path, "cannot be memory-mapped (errno \(errno))")
        }
        base = mapped
        mappedLength = length
        do {
            let rawHeaderLength = UInt64(littleEndian: mapped.loadUnaligned(as: UInt64.self))
            guard rawHeaderLength > 1, rawHeaderLength < 100_000_000, Int(rawHeaderLength) <= length - 8 else {
                throw RAGError.corrupt(path, "header length \(rawHeaderLength) does not fit in the file's \(length) bytes")
            }
            let headerLength = Int(rawHeaderLength)
            dataStart = 8 + headerLength
            let header = Data(bytes: mapped + 8, count: headerLength)
            guard let json = (try? JSONSerialization.jsonObject(with: header)) as? [String: Any] else {
                throw RAGError.corrupt(path, "the JSON header does not parse")
            }
            let dataLength = length - dataStart
            var tensors: [String: TensorInfo] = [:]
            for (name, value) in json where name != "__metadata__" {
                guard let entry = value as? [String: Any],
                      let dtypeName = entry["dtype"] as? String,
                      let shape = entry["shape"] as? [NSNumber],
                      let offsets = entry["data_offsets"] as? [NSNumber], offsets.count == 2 else {
                    throw RAGError.tensor(path, name, "header entry lacks dtype, shape or data_offsets")
                }
                guard let dtype = DType(rawValue: dtypeName) else {
                    throw RAGError.tensor(path, name, "unknown dtype \(dtypeName)")
                }
                let dims = shape.map(\.intValue)
                let begin = offsets[0].intValue, end = offsets[1].intValue
                guard dims.allSatisfy({ $0 >= 0 }), begin >= 0, begin <= end else {
                    throw RAGError.tensor(path, name, "invalid shape \(dims) or byte range \(begin)..<\(end)")
                }
                guard end <= dataLength else {
                    throw RAGError.tensor(path, name,
                        "byte range \(begin)..<\(end) runs past the end of the data (\(dataLength) bytes): file truncated")
                }
                guard let bytes = dims.checkedProduct?.checkedMultiply(dtype.size) else {
                    throw RAGError.tensor(path, name, "shape \(dims) has more bytes than can be addressed")
                }
                guard bytes == end - begin else {
                    throw RAGError.tensor(path, name,
                        "shape \(dims) of \(dtypeName) needs \(bytes) bytes but the range has \(end - begin)")
                }
                tensors[name] = TensorInfo(dtype: dtype, shape: dims, range: begin..<end)
            }
            self.tensors = tensors
        } catch {
            munmap(mapped, length)
            throw error
        }
    }

    deinit {
        munmap(base, mappedLength)
    }

    /// A float32 tensor of exactly `shape`, as a pointer into the mapping (valid while this file lives).
    public func float32(_ name: String, shape: [Int]) throws -> UnsafePointer<Float> {
        guard let info = tensors[name] else {
            throw RAGError.tensor(path, name, "tensor is missing")
        }
        guard info.dtype == .f32 else {
            throw RAGError.tensor(path, name, "dtype is \(info.dtype.rawValue), expected F32")
        }
        guard info.shape == shape else {
            throw RAGError.tensor(path, name, "shape is \(info.shape), expected \(shape) from config.json")
        }
        let p = base + dataStart + info.range.lowerBound
        guard Int(bitPattern: p) % MemoryLayout<Float>.alignment == 0 else {
            throw RAGError.tensor(path, name, "data is not 4-byte aligned")
        }
        return UnsafePointer(p.assumingMemoryBound(to: Float.self))
    }

    /// A float32 tensor of exactly `shape` to change in memory; only for a file opened `writable`.
    public func mutableFloat32(_ name: String, shape: [Int]) throws -> UnsafeMutablePointer<Float> {
        guard writable else { throw RAGError.tensor(path, name, "the file was opened read-only") }
        return UnsafeMutablePointer(mutating: try float32(name, shape: shape))
    }

    /// The whole file's bytes (for hashing).
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: mappedLength) }
}
