/// Reading 2-D float32 `.npy` files (NumPy format 1.0–3.0, C order, little-endian), the vector files the
/// reference benchmark scripts write.
import Foundation
import RAGCore

public struct NumpyMatrix: Sendable {
    public var rows: Int
    public var columns: Int
    /// (rows, columns) row-major.
    public var values: [Float]

    public func row(_ r: Int) -> [Float] { Array(values[r * columns..<(r + 1) * columns]) }

    public init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else { throw RAGError(.invalidInput, "cannot read \(path)") }
        let bytes = [UInt8](data)
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1..<6]) == Array("NUMPY".utf8) else {
            throw RAGError(.invalidInput, "\(path) is not a .npy file")
        }
        let major = bytes[6]
        let headerLength: Int, headerStart: Int
        if major == 1 {
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        } else {
            guard bytes.count >= 12 else { throw RAGError(.invalidInput, "\(path): truncated .npy header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        }
        guard headerStart + headerLength <= bytes.count else { throw RAGError(.invalidInput, "\(path): truncated .npy header") }
        let header = String(decoding: bytes[headerStart..<headerStart + headerLength], as: UTF8.self)
        guard header.contains("'descr': '<f4'") else { throw RAGError(.invalidInput, "\(path): only little-endian float32 (<f4) arrays are read, header \(header)") }
        guard header.contains("'fortran_order': False") else { throw RAGError(.invalidInput, "\(path): Fortran-order arrays are not read") }
        guard let open = header.range(of: "'shape': ("), let close = header[open.upperBound...].firstIndex(of: ")") else {
            throw RAGError(.invalidInput, "\(path): no shape in header \(header)")
        }
        let dims = header[open.upperBound..<close].split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard dims.count == 2, dims[0] > 0, dims[1] > 0 else { throw RAGError(.invalidInput, "\(path): expected a 2-D array, shape \(dims)") }
        rows = dims[0]
        columns = dims[1]
        let start = headerStart + headerLength
        guard bytes.count - start >= rows * columns * 4 else { throw RAGError(.invalidInput, "\(path): data shorter than its shape \(dims)") }
        var values = [Float](repeating: 0, count: rows * columns)
        bytes.withUnsafeBytes { src in
            for i in 0..<values.count {
                values[i] = Float(bitPattern: UInt32(littleEndian: src.loadUnaligned(fromByteOffset: start + i * 4, as: UInt32.self)))
            }
        }
        self.values = values
    }
}
