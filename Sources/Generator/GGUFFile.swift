/// Memory-mapped GGUF reader: header, metadata, tensor infos and the aligned data section, validated up front.
#if canImport(Glibc)
import RAGCore
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Kernels

/// The ggml tensor types a GGUF file may name; the reader knows all names, the engine computes with a few.
public enum GGMLType: UInt32, Sendable, CaseIterable {
    case f32 = 0, f16 = 1, q4_0 = 2, q4_1 = 3, q5_0 = 6, q5_1 = 7, q8_0 = 8, q8_1 = 9
    case q2_K = 10, q3_K = 11, q4_K = 12, q5_K = 13, q6_K = 14, q8_K = 15
    case iq2_xxs = 16, iq2_xs = 17, iq3_xxs = 18, iq1_s = 19, iq4_nl = 20, iq3_s = 21, iq2_s = 22, iq4_xs = 23
    case i8 = 24, i16 = 25, i32 = 26, i64 = 27, f64 = 28, iq1_m = 29, bf16 = 30, tq1_0 = 34, tq2_0 = 35

    public var name: String { String(describing: self).uppercased() }

    /// Elements per block and bytes per block, for the types this reader can size (nil: unsupported).
    public var blockLayout: (elements: Int, bytes: Int)? {
        switch self {
        case .f32: return (1, 4)
        case .f16, .bf16: return (1, 2)
        case .q4_0: return (QuantFormat.q4_0.blockElements, QuantFormat.q4_0.blockBytes)
        case .q4_1: return (QuantFormat.q4_1.blockElements, QuantFormat.q4_1.blockBytes)
        case .q8_0: return (QuantFormat.q8_0.blockElements, QuantFormat.q8_0.blockBytes)
        default: return nil
        }
    }

    /// The quantised block format of this type, if it is one the kernels compute with.
    public var quantFormat: QuantFormat? {
        switch self {
        case .q4_0: return .q4_0
        case .q4_1: return .q4_1
        case .q8_0: return .q8_0
        default: return nil
        }
    }
}

/// One tensor's description and where its bytes are.
public struct GGUFTensorInfo: Sendable {
    public let name: String
    /// Dimensions in ggml order: `shape[0]` is the contiguous row length.
    public let shape: [Int]
    public let type: GGMLType
    /// Absolute byte offset in the file.
    public let fileOffset: Int
    public let byteCount: Int
    public var elementCount: Int { shape.reduce(1, *) }
}

/// Owns a read-only memory mapping; unmapped when the last reference goes.
final class MappedFile: @unchecked Sendable {  // immutable after init; the mapping is read-only
    let base: UnsafeRawPointer
    let size: Int

    init(path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw RAGError(.modelNotFound, "\(path): cannot open (\(String(cString: strerror(errno)))); run scripts/fetch-models to fetch the model")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw RAGError.gguf(path, "cannot stat") }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw RAGError.gguf(path, "not a regular file") }
        size = Int(st.st_size)
        guard size > 0 else { throw RAGError.gguf(path, "not a GGUF file (empty)") }
        guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            throw RAGError.gguf(path, "mmap failed (\(String(cString: strerror(errno))))")
        }
        base = UnsafeRawPointer(p)
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: base), size) }
}

/// A parsed, validated GGUF file whose tensor data stays in the memory mapping.
public final class GGUFFile: Sendable {
    public let path: String
    public let version: Int
    public let metadata: [String: GGUFValue]
    /// Tensors in file order.
    public let tensors: [GGUFTensorInfo]
    public let alignment: Int
    public let dataOffset: Int
    let mapping: MappedFile
    private let index: [String: Int]

    public var fileSize: Int { mapping.size }

    /// Maps and parses `path`. Throws `RAGError` (code `invalid_model`) naming what is wrong.
    public init(path: String) throws {
        self.path = path
        let mapping = try MappedFile(path: path)
        self.mapping = mapping
        var r = ByteReader(base: mapping.base, size: mapping.size, path: path)
        guard mapping.size >= 4, r.peekMagic() == "GGUF" else {
            throw RAGError.gguf(path, "not a GGUF file (magic is not \"GGUF\")")
        }
        r.offset = 4
        let version = Int(try r.u32("version"))
        guard version == 2 || version == 3 else {
            throw RAGError.gguf(path, "unsupported GGUF version \(version) (supported: 2, 3)")
        }
        self.version = version
        let tensorCount = try r.u64("tensor_count")
        let kvCount = try r.u64("kv_count")
        // Each KV and each tensor info takes at least 8+8+4 bytes: a count beyond that is corruption, not a huge file.
        guard tensorCount <= UInt64(mapping.size / 24), kvCount <= UInt64(mapping.size / 12) else {
            throw RAGError.gguf(path, "truncated or corrupt: the header claims \(tensorCount) tensors and \(kvCount) metadata keys, which cannot fit in \(mapping.size) bytes")
        }
        var meta: [String: GGUFValue] = [:]
        for _ in 0..<kvCount {
            let key = try r.string("metadata key")
            let type = try r.u32("type of \(key)")
            meta[key] = try r.value(type: type, key: key, depth: 0)
        }
        self.metadata = meta
        var alignment = 32
        if let a = meta["general.alignment"] {
            guard let v = a.int, v > 0, v & (v - 1) == 0 else {
                throw RAGError.gguf(path, "general.alignment must be a power of two, got \(a)")
            }
            alignment = v
        }
        self.alignment = alignment
        struct Raw { let name: String; let shape: [Int]; let typeID: UInt32; let offset: UInt64 }
        var raws: [Raw] = []
        raws.reserveCapacity(Int(tensorCount))
        for _ in 0..<tensorCount {
            let name = try r.string("tensor name")
            let nDims = try r.u32("n_dims of \(name)")
            guard nDims >= 1, nDims <= 4 else { throw RAGError.gguf(path, "tensor \(name): \(nDims) dimensions (1…4 allowed)") }
            var shape: [Int] = []
            for _ in 0..<nDims {
                let d = try r.u64("shape of \(name)")
                guard d > 0, d < 1 << 40 else { throw RAGError.gguf(path, "tensor \(name): bad dimension \(d)") }
                shape.append(Int(d))
            }
            let typeID = try r.u32("type of \(name)")
            let off = try r.u64("offset of \(name)")
            raws.append(Raw(name: name, shape: shape, typeID: typeID, offset: off))
        }
        let dataOffset = (r.offset + alignment - 1) / alignment * alignment
        self.dataOffset = dataOffset
        var infos: [GGUFTensorInfo] = []
        var index: [String: Int] = [:]
        for raw in raws {
            guard let type = GGMLType(rawValue: raw.typeID) else {
                throw RAGError.gguf(path, "tensor \(raw.name): unknown ggml type id \(raw.typeID)")
            }
            guard let layout = type.blockLayout else {
                throw RAGError(.unsupportedTensorType, "\(path): tensor \(raw.name) has type \(type.name), which this engine does not support (supported: F32, F16, Q4_0, Q4_1, Q8_0)")
            }
            guard let elements = raw.shape.checkedProduct else {
                throw RAGError.gguf(path, "tensor \(raw.name): shape \(raw.shape) has more elements than can be addressed")
            }
            guard raw.shape[0] % layout.elements == 0 else {
                throw RAGError.gguf(path, "tensor \(raw.name): row length \(raw.shape[0]) is not a multiple of the \(type.name) block size \(layout.elements)")
            }
            guard let bytes = (elements / layout.elements).checkedMultiply(layout.bytes) else {
                throw RAGError.gguf(path, "tensor \(raw.name): shape \(raw.shape) needs more bytes than can be addressed")
            }
            guard raw.offset % UInt64(alignment) == 0 else {
                throw RAGError.gguf(path, "tensor \(raw.name): offset \(raw.offset) not aligned to \(alignment)")
            }
            guard raw.offset < UInt64(Int.max / 2), let end = dataOffset.checkedAdd(Int(raw.offset))?.checkedAdd(bytes),
                  end <= mapping.size else {
                throw RAGError.gguf(path, "truncated: tensor \(raw.name) needs bytes up to \(UInt64(dataOffset) &+ raw.offset &+ UInt64(bytes)), file has \(mapping.size)")
            }
            guard index[raw.name] == nil else { throw RAGError.gguf(path, "duplicate tensor name \(raw.name)") }
            index[raw.name] = infos.count
            infos.append(GGUFTensorInfo(name: raw.name, shape: raw.shape, type: type, fileOffset: dataOffset + Int(raw.offset), byteCount: bytes))
        }
        self.tensors = infos
        self.index = index
    }

    public func tensor(_ name: String) -> GGUFTensorInfo? { index[name].map { tensors[$0] } }

    /// The bytes of a tensor, valid as long as this file object lives.
    public func pointer(_ info: GGUFTensorInfo) -> UnsafeRawPointer { mapping.base + info.fileOffset }

    // Typed metadata access with errors naming the key.
    public func int(_ key: String) throws -> Int {
        guard let v = metadata[key] else { throw RAGError.gguf(path, "metadata key \(key) missing") }
        guard let i = v.int else { throw RAGError.gguf(path, "metadata key \(key) is not an integer") }
        return i
    }
    public func double(_ key: String) throws -> Double {
        guard let v = metadata[key] else { throw RAGError.gguf(path, "metadata key \(key) missing") }
        guard let d = v.double else { throw RAGError.gguf(path, "metadata key \(key) is not a number") }
        return d
    }
    public func string(_ key: String) throws -> String {
        guard let v = metadata[key] else { throw RAGError.gguf(path, "metadata key \(key) missing") }
        guard let s = v.string else { throw RAGError.gguf(path, "metadata key \(key) is not a string") }
        return s
    }
    public func strings(_ key: String) throws -> [String] {
        guard let v = metadata[key] else { throw RAGError.gguf(path, "metadata key \(key) missing") }
        guard let a = v.array else { throw RAGError.gguf(path, "metadata key \(key) is not an array") }
        return try a.map { guard let s = $0.string else { throw RAGError.gguf(path, "metadata key \(key) is not an array of strings") }; return s }
    }
    public func ints(_ key: String) throws -> [Int] {
        guard let v = metadata[key] else { throw RAGError.gguf(path, "metadata key \(key) missing") }
        guard let a = v.array else { throw RAGError.gguf(path, "metadata key \(key) is not an array") }
        return try a.map { guard let i = $0.int else { throw RAGError.gguf(path, "metadata key \(key) is not an array of integers") }; return i }
    }
}

/// Bounds-checked little-endian reads over the mapping; every overrun is a "truncated" error naming the field.
struct ByteReader {
    let base: UnsafeRawPointer
    let size: Int
    let path: String
    var offset = 0

    func peekMagic() -> String {
        String(decoding: UnsafeRawBufferPointer(start: base, count: 4), as: UTF8.self)
    }

    mutating func need(_ n: Int, _ field: String) throws {
        guard n >= 0, offset <= size - n else {
            throw RAGError.gguf(path, "truncated while reading \(field) at byte \(offset) (file has \(size) bytes)")
        }
    }
    mutating func read<T: FixedWidthInteger>(_: T.Type, _ field: String) throws -> T {
        try need(MemoryLayout<T>.size, field)
        let v = T(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: T.self))
        offset += MemoryLayout<T>.size
        return v
    }
    mutating func u32(_ field: String) throws -> UInt32 { try read(UInt32.self, field) }
    mutating func u64(_ field: String) throws -> UInt64 { try read(UInt64.self, field) }
    mutating func string(_ field: String) throws -> String {
        let n = try u64(field)
        guard n <= UInt64(size) else { throw RAGError.gguf(path, "truncated or corrupt: \(field) claims \(n) bytes") }
        try need(Int(n), field)
        let s = String(decoding: UnsafeRawBufferPointer(start: base + offset, count: Int(n)), as: UTF8.self)
        offset += Int(n)
        return s
    }
    mutating func value(type: UInt32, key: String, depth: Int) throws -> GGUFValue {
        switch type {
        case 0: return .uint8(try read(UInt8.self, key))
        case 1: return .int8(try read(Int8.self, key))
        case 2: return .uint16(try read(UInt16.self, key))
        case 3: return .int16(try read(Int16.self, key))
        case 4: return .uint32(try read(UInt32.self, key))
        case 5: return .int32(try read(Int32.self, key))
        case 6: return .float32(Float(bitPattern: try read(UInt32.self, key)))
        case 7:
            let b = try read(UInt8.self, key)
            guard b <= 1 else { throw RAGError.gguf(path, "metadata \(key): bool value \(b)") }
            return .bool(b == 1)
        case 8: return .string(try string(key))
        case 9:
            guard depth < 4 else { throw RAGError.gguf(path, "metadata \(key): arrays nested too deep") }
            let elemType = try u32(key)
            let count = try u64(key)
            guard count <= UInt64(size - offset) else { throw RAGError.gguf(path, "truncated or corrupt: metadata \(key) claims \(count) elements") }
            var out: [GGUFValue] = []
            // Reserve what the bytes left could hold at one byte an element, at most 64k: a claimed count
            // reserved in full cost ~24 bytes of memory per byte of file before a single element was read.
            out.reserveCapacity(Int(min(count, 65_536)))
            for _ in 0..<count { out.append(try value(type: elemType, key: key, depth: depth + 1)) }
            return .array(out)
        case 10: return .uint64(try read(UInt64.self, key))
        case 11: return .int64(try read(Int64.self, key))
        case 12: return .float64(Double(bitPattern: try read(UInt64.self, key)))
        default: throw RAGError.gguf(path, "metadata \(key): unknown value type \(type)")
        }
    }
}
