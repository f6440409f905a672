/// The vector tables in a real SQLite file: loading at open, IVF persistence and assignment on insert, the planner,
/// and vectors refused at insert.
import Foundation
import RAGCore
import Store
import Testing

@Suite struct VectorStoreTests {
    @Test func matrixIsLoadedInChunkOrderAndFollowsDeletes() throws {
        let rows = Fixture.unitVectors(20, dim: 8, seed: 21)
        let store = try Fixture.store(texts: rows.indices.map { "t\($0)" }, vectors: rows, name: "load")
        let m = try store.loadVectorMatrix()
        #expect(m.count == 20)
        #expect(m.ids == m.ids.sorted())
        #expect(m.vector(3) == rows[3])
        let before = try DenseIndex(store: store)
        try store.db.transaction {
            try store.removeFile(path: "docs/3.text")
            try store.bumpGeneration()
        }
        let after = try DenseIndex(store: store)
        #expect(after.generation > before.generation)
        #expect(after.count == 19)
        #expect(try after.search(rows[3], k: 1).first?.id != before.search(rows[3], k: 1).first?.id)
    }

    @Test func nanVectorIsRejectedAtInsert() throws {
        let store = try Fixture.store(texts: ["a"], vectors: [[1, 0, 0, 0]], name: "nan")
        #expect(throws: RAGError.self) { try store.setEmbedding(chunkID: 1, vector: [Float.nan, 0, 0, 0]) }
        #expect(throws: RAGError.self) { try store.setEmbedding(chunkID: 1, vector: [1, 0, 0]) }
        #expect(try store.loadVectorMatrix().vector(0) == [1, 0, 0, 0])
    }

    @Test func ivfIsPersistedAndNewVectorsJoinTheirNearestList() throws {
        let rows = Fixture.clusteredVectors(600, dim: 16, clusters: 6, seed: 22)
        let path: String
        do {
            let store = try Fixture.store(texts: rows.indices.map { "t\($0)" }, vectors: rows, name: "ivf-persist")
            path = store.path
            let report = try store.trainIVF(nlist: 6, seed: 3)
            #expect(report.nlist == 6 && report.vectors == 600)
        }
        let reopened = try IndexStore(path: path)
        let centroids = try #require(try reopened.ivfCentroids())
        #expect(centroids.nlist == 6)
        // A new chunk is placed in its nearest list as it is stored.
        let extra = rows[0]
        try reopened.db.transaction {
            let chunk = Chunk(ordinal: 0, headingPath: [], text: "new", tokenCount: 1, charStart: 0, charEnd: 3)
            let doc = Document(path: "docs/new.text", title: nil, format: .text, blocks: [])
            let ids = try reopened.replaceFile(path: "docs/new.text", sha256: "n", size: 1, mtime: 0, format: .text,
                                               documents: [PreparedDocument(document: doc, contentSHA256: "n", chunks: [chunk])])
            try reopened.setEmbedding(chunkID: ids[0], vector: extra)
            try reopened.bumpGeneration()
        }
        let matrix = try reopened.loadVectorMatrix()
        let assignment = try reopened.ivfAssignment(for: matrix)
        #expect(assignment.allSatisfy { $0 >= 0 })
        #expect(assignment.last == assignment.first, "the copy of row 0 joins row 0's list")
        let index = try DenseIndex(store: reopened, requested: .ivf)
        #expect(try index.search(extra, k: 2, options: .init(nprobe: 1)).count == 2)
    }

    @Test func plannerUsesFlatBelowTheThresholdAndIVFAboveWhenTrained() {
        #expect(VectorIndexPlanner.plan(requested: .auto, vectors: 1000, ivfNlist: 32).type == .flat)
        #expect(VectorIndexPlanner.plan(requested: .auto, vectors: VectorIndexPlanner.ivfThreshold, ivfNlist: 900).type == .ivf)
        #expect(VectorIndexPlanner.plan(requested: .auto, vectors: 1_000_000, ivfNlist: nil).type == .flat)
        #expect(VectorIndexPlanner.plan(requested: .ivf, vectors: 10, ivfNlist: nil).type == .flat, "an untrained IVF behaves as flat")
        #expect(VectorIndexPlanner.plan(requested: .int8, vectors: 10, ivfNlist: nil).type == .int8)
    }

    @Test func statsReportThePlan() throws {
        let rows = Fixture.unitVectors(10, dim: 8, seed: 23)
        let store = try Fixture.store(texts: rows.indices.map { "t\($0)" }, vectors: rows, name: "stats")
        let plan = try #require(try store.stats().vectorIndex)
        #expect(plan.type == .flat && plan.vectors == 10)
    }

    @Test func emptyIndexSearchesToNothingAndCannotBeTrained() throws {
        let store = try IndexStore(path: Fixture.temporaryIndexPath("empty"))
        let index = try DenseIndex(store: store)
        #expect(try index.search([1, 0, 0], k: 5).isEmpty)
        #expect(throws: RAGError.self) { try store.trainIVF() }
    }
}
