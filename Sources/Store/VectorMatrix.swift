/// A contiguous (count × dimension) fp32 matrix of vectors with the chunk id of each row: what the flat, int8 and
/// IVF indexes scan, loaded from the `embeddings` table at open.
import RAGCore
import Foundation

public final class VectorMatrix: @unchecked Sendable {
    // Immutable after init: rows are written once, then only read (by any number of threads).
    public let dimension: Int
    public let count: Int
    /// Chunk id of each row, ascending.
    public let ids: [Int64]
    /// (count, dimension), 64-byte aligned.
    public let storage: UnsafeMutablePointer<Float>

    /// Takes ownership of `storage` (allocated with `allocate(count:dimension:)`).
    init(dimension: Int, ids: [Int64], storage: UnsafeMutablePointer<Float>) {
        self.dimension = dimension
        self.count = ids.count
        self.ids = ids
        self.storage = storage
    }

    /// A matrix from in-memory rows (tests, benchmarks). Every row must have `dimension` finite values.
    public convenience init(rows: [[Float]], ids: [Int64]? = nil, dimension: Int) throws {
        let storage = Self.allocate(count: rows.count, dimension: dimension)
        for (r, row) in rows.enumerated() {
            guard row.count == dimension else {
                storage.deallocate()
                throw RAGError(.dimensionMismatch, "vector \(r) has \(row.count) values, the index holds \(dimension)")
            }
            guard row.allSatisfy(\.isFinite) else {
                storage.deallocate()
                throw RAGError(.invalidVector, "vector \(r) has a NaN or infinite value")
            }
            row.withUnsafeBufferPointer { (storage + r * dimension).update(from: $0.baseAddress!, count: dimension) }
        }
        self.init(dimension: dimension, ids: ids ?? rows.indices.map { Int64($0) }, storage: storage)
    }

    deinit { storage.deallocate() }

    static func allocate(count: Int, dimension: Int) -> UnsafeMutablePointer<Float> {
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(1, count * dimension) * 4, alignment: 64)
        return raw.bindMemory(to: Float.self, capacity: max(1, count * dimension))
    }

    @inline(__always) public func row(_ r: Int) -> UnsafePointer<Float> { UnsafePointer(storage + r &* dimension) }

    public func vector(_ r: Int) -> [Float] { Array(UnsafeBufferPointer(start: row(r), count: dimension)) }

    /// Row of a chunk id, by binary search over the ascending ids.
    public func row(forID id: Int64) -> Int? {
        var lo = 0, hi = ids.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if ids[mid] < id { lo = mid + 1 } else { hi = mid }
        }
        return lo < ids.count && ids[lo] == id ? lo : nil
    }

    public var bytes: Int { count * dimension * 4 }
}

/// A set of matrix rows (a filter's admitted rows), as a bitset so the scan tests membership in O(1).
public struct RowSet: Sendable {
    var words: [UInt64]
    public private(set) var count: Int = 0

    public init(capacity: Int) { words = [UInt64](repeating: 0, count: (capacity + 63) / 64) }

    public mutating func insert(_ row: Int) {
        let w = row >> 6, b = UInt64(1) << UInt64(row & 63)
        if words[w] & b == 0 { words[w] |= b; count += 1 }
    }

    @inline(__always) public func contains(_ row: Int) -> Bool {
        words[row >> 6] & (UInt64(1) << UInt64(row & 63)) != 0
    }
}
