/// The store side of the vector indexes: loading the embeddings matrix, checking vectors at insert, and the IVF
/// tables (training, persisting, assigning new vectors to their nearest list).
import RAGCore
import CSQLite
import Foundation
import Kernels

/// What `rag index build --ivf` did.
public struct IVFTrainingReport: Sendable, Codable {
    public var vectors: Int
    public var nlist: Int
    public var seed: UInt64
    public var iterations: Int
    public var seconds: Double
}

/// The coarse quantiser as persisted: centroids of the model they were trained for.
public struct IVFCentroids: Sendable {
    public var nlist: Int
    public var dimension: Int
    /// (nlist, dimension).
    public var vectors: [Float]
}

/// Cached centroids for assigning vectors at insert, with the model they belong to.
final class CentroidCache {
    let centroids: IVFCentroids?
    init(_ c: IVFCentroids?) { centroids = c }
}

extension IndexStore {
    // MARK: vectors

    /// Rejects vectors that would corrupt search: NaN or infinite values, or a dimension other than the index's.
    public func validateVector(_ vector: [Float], chunkID: Int64) throws {
        guard !vector.isEmpty, vector.allSatisfy(\.isFinite) else {
            throw RAGError(.invalidVector, "vector for chunk \(chunkID) in \(path) has a NaN or infinite value (or is empty): not stored")
        }
        if let d = try meta("embedding_dimension"), let dim = Int(d), dim != vector.count {
            throw RAGError(.dimensionMismatch, "vector for chunk \(chunkID) has \(vector.count) values but index \(path) holds \(dim)-dimensional vectors")
        }
    }

    /// Places a newly stored vector in its nearest IVF list, when the index has been trained for this model.
    func assignToIVF(chunkID: Int64, vector: [Float]) throws {
        if centroidCache == nil { centroidCache = CentroidCache(try ivfCentroids()) }
        guard let c = centroidCache?.centroids, c.dimension == vector.count else { return }
        let list = vector.withUnsafeBufferPointer { v in
            c.vectors.withUnsafeBufferPointer { cb in
                IVFIndex.nearest(v.baseAddress!, centroids: cb.baseAddress!, nlist: c.nlist, dimension: c.dimension)
            }
        }
        try db.prepare("INSERT OR REPLACE INTO ivf_members(chunk_id, list_id) VALUES (?, ?)").run([.int(chunkID), .int(Int64(list))])
    }

    /// How many chunks have a vector (none: the index was ingested with --no-embed, so hybrid search falls back to
    /// keywords).
    public func embeddingCount() throws -> Int {
        Int(try db.scalarInt("SELECT count(*) FROM embeddings") ?? 0)
    }

    /// Every stored vector as one matrix, rows in chunk-id order.
    public func loadVectorMatrix() throws -> VectorMatrix {
        let n = Int(try db.scalarInt("SELECT count(*) FROM embeddings") ?? 0)
        var dim = Int(try meta("embedding_dimension") ?? "") ?? 0
        if dim == 0, n > 0 {
            dim = Int(try db.scalarInt("SELECT length(vector) FROM embeddings LIMIT 1") ?? 0) / 4
        }
        let storage = VectorMatrix.allocate(count: n, dimension: max(dim, 1))
        var ids: [Int64] = []
        ids.reserveCapacity(n)
        do {
            let stmt = try db.prepare("SELECT chunk_id, vector FROM embeddings ORDER BY chunk_id")
            while try stmt.step() {
                guard ids.count < n else { break }  // a concurrent writer added rows after the count: next load sees them
                let bytes = Int(sqlite3_column_bytes(stmt.handle, 1))
                guard bytes == dim * 4, let p = sqlite3_column_blob(stmt.handle, 1) else {
                    throw RAGError(.dimensionMismatch, "index \(path): chunk \(stmt.int(0)) has a \(bytes / 4)-value vector, the index holds \(dim)-dimensional vectors: re-ingest with --reembed")
                }
                let dst = storage + ids.count * dim
                for j in 0..<dim { dst[j] = Float(bitPattern: UInt32(littleEndian: p.loadUnaligned(fromByteOffset: j * 4, as: UInt32.self))) }
                ids.append(stmt.int(0))
            }
        } catch {
            storage.deallocate()
            throw error
        }
        return VectorMatrix(dimension: max(dim, 1), ids: ids, storage: storage)
    }

    // MARK: IVF

    /// The trained centroids, when they exist and belong to the index's current encoder.
    public func ivfCentroids() throws -> IVFCentroids? {
        guard let nlistText = try meta("ivf_nlist"), let nlist = Int(nlistText), nlist > 0 else { return nil }
        guard try meta("ivf_model") == meta("embedding_model") else { return nil }
        let stmt = try db.prepare("SELECT list_id, vector FROM ivf_centroids ORDER BY list_id")
        var vectors: [Float] = []
        var dim = 0
        var count = 0
        while try stmt.step() {
            let v = VectorBlob.decode(stmt.blob(1))
            if dim == 0 { dim = v.count }
            guard v.count == dim, stmt.int(0) == Int64(count) else {
                throw RAGError(.corruptIndex, "index \(path): IVF centroid \(stmt.int(0)) is malformed: run `rag index build --ivf` again")
            }
            vectors += v
            count += 1
        }
        guard count == nlist, dim > 0 else { return nil }
        return IVFCentroids(nlist: nlist, dimension: dim, vectors: vectors)
    }

    /// The persisted list of each matrix row (-1 for a row with no membership yet).
    public func ivfAssignment(for matrix: VectorMatrix) throws -> [Int32] {
        var out = [Int32](repeating: -1, count: matrix.count)
        let stmt = try db.prepare("SELECT chunk_id, list_id FROM ivf_members ORDER BY chunk_id")
        var r = 0
        while try stmt.step() {
            let id = stmt.int(0)
            while r < matrix.count && matrix.ids[r] < id { r += 1 }
            if r < matrix.count && matrix.ids[r] == id { out[r] = Int32(truncatingIfNeeded: stmt.int(1)) }
        }
        return out
    }

    /// (Re)trains the IVF coarse quantiser on every stored vector and assigns each vector to its list, in one
    /// transaction. Deterministic for a given seed and content.
    @discardableResult
    public func trainIVF(nlist requested: Int? = nil, seed: UInt64 = 1, iterations: Int = 10) throws -> IVFTrainingReport {
        let start = Date()
        let matrix = try loadVectorMatrix()
        guard matrix.count > 0 else {
            throw RAGError(.emptyIndex, "index \(path) has no vectors to train on: run `rag ingest` with embeddings first")
        }
        let nlist = max(1, min(requested ?? IVFIndex.defaultNlist(count: matrix.count), matrix.count))
        var params = KMeansParameters(clusters: nlist, seed: seed, iterations: iterations)
        params.iterations = iterations
        let centroids = KMeans.train(matrix, params)
        var assignment: [Int32] = []
        centroids.withUnsafeBufferPointer { c in
            KMeans.assign(rows: matrix.storage, count: matrix.count, dimension: matrix.dimension, centroids: c.baseAddress!,
                          clusters: nlist, into: &assignment)
        }
        try db.transaction {
            try db.execute("DELETE FROM ivf_centroids; DELETE FROM ivf_members;")
            let insertCentroid = try db.prepare("INSERT INTO ivf_centroids(list_id, vector) VALUES (?, ?)")
            for l in 0..<nlist {
                try insertCentroid.run([.int(Int64(l)), .blob(VectorBlob.encode(Array(centroids[l * matrix.dimension..<(l + 1) * matrix.dimension])))])
            }
            let insertMember = try db.prepare("INSERT INTO ivf_members(chunk_id, list_id) VALUES (?, ?)")
            for r in 0..<matrix.count { try insertMember.run([.int(matrix.ids[r]), .int(Int64(assignment[r]))]) }
            try setMeta("ivf_nlist", String(nlist))
            try setMeta("ivf_seed", String(seed))
            try setMeta("ivf_model", try meta("embedding_model") ?? "")
            try bumpGeneration()
        }
        centroidCache = nil
        return IVFTrainingReport(vectors: matrix.count, nlist: nlist, seed: seed, iterations: iterations,
                                 seconds: Date().timeIntervalSince(start))
    }
}
