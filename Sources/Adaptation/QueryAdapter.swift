/// The query adapter: a d×d linear map applied to query vectors (then re-normalised), fitted on (question, relevant
/// chunk) pairs by ridge regression toward the identity, its strength chosen by cross-validation on the tuning
/// queries, and kept only when it beats the identity there.
///
/// Why ridge toward the identity rather than a contrastive loss by gradient descent: a tuning set is a few hundred
/// queries (SciFact's 300 test queries split 50/50 give 150) for a 147,456-parameter map. The closed form
/// W = argmin Σ‖q W − t‖² + λ‖W − I‖² moves each query toward its relevant chunks only as far as the data pins a
/// direction down (unseen directions stay at the identity), has one hyper-parameter, is deterministic, and costs
/// one 384×384 Cholesky solve per λ, so λ can be chosen by k-fold cross-validation instead of on 20% of 150 queries.
import Foundation
import Kernels
import RAGCore
import Store

/// A fitted adapter: `adapted = normalise(q · matrix)`.
public struct QueryAdapter: Sendable, Equatable {
    /// The encoder (`meta.embedding_model` form) whose query and chunk vectors it maps between.
    public let encoderID: String
    public let dimension: Int
    /// dimension × dimension, row-major.
    public let matrix: [Float]

    public init(encoderID: String, dimension: Int, matrix: [Float]) {
        precondition(matrix.count == dimension * dimension, "adapter shape")
        self.encoderID = encoderID
        self.dimension = dimension
        self.matrix = matrix
    }

    /// Short content hash: tells adapted query vectors of different fits apart in caches.
    public var id: String { String(ContentHash.sha256Hex(matrix.withUnsafeBytes { Array($0) }).prefix(12)) }

    /// The adapted, unit-length query vector.
    public func apply(_ query: [Float]) -> [Float] {
        var y = RidgeSolve.rowTimes(query, matrix, rows: dimension, cols: dimension)
        QueryAdapter.normalise(&y)
        return y
    }

    static func normalise(_ v: inout [Float]) {
        let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        if norm > 0 { for i in v.indices { v[i] /= norm } }
    }

    public var stored: StoredQueryMap {
        StoredQueryMap(kind: .adapter, encoder: encoderID, rows: dimension, cols: dimension, matrix: matrix)
    }

    public init(_ map: StoredQueryMap) throws {
        guard map.kind == .adapter, map.rows == map.cols, map.bias == nil else {
            throw RAGError(.corruptIndex, "the stored query adapter is \(map.rows)×\(map.cols)\(map.bias == nil ? "" : " with a bias"), not square")
        }
        self.init(encoderID: map.encoder, dimension: map.rows, matrix: map.matrix)
    }
}

/// One training query: its plain (unadapted) vector and the rows of the chunk matrix that answer it.
public struct AdapterExample: Sendable {
    public var query: [Float]
    /// Regression targets: the best chunk (by plain cosine) of each relevant document.
    public var targets: [Int]
    /// Every chunk row of the relevant documents, for the ranking metric of the cross-validation.
    public var relevant: Set<Int>

    public init(query: [Float], targets: [Int], relevant: Set<Int>) {
        self.query = query
        self.targets = targets
        self.relevant = relevant
    }
}

/// What training chose and why.
public struct AdapterTraining: Sendable, Codable {
    /// λ of the kept fit (nil: the identity was kept).
    public var lambda: Double?
    /// Cross-validated nDCG@10 (chunk level) of the identity and of each λ tried.
    public var identityScore: Double
    public var scores: [LambdaScore]
    public var folds: Int
    public var examples: Int
    public var pairs: Int
    /// Whether an adapter was kept (it beat the identity in cross-validation).
    public var kept: Bool { lambda != nil }

    public struct LambdaScore: Sendable, Codable {
        public var lambda: Double
        public var score: Double
    }
}

public enum QueryAdapterTrainer {
    /// λ tried, as multiples of the number of pairs (the Gram matrix's trace is the pair count for unit vectors).
    public static let lambdaFactors: [Double] = [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3]

    /// Fits an adapter on `examples` against the chunk vectors `corpus` (n × d, row-major unit vectors). λ by
    /// `folds`-fold cross-validation (seeded); returns nil for the adapter when no λ beats the identity.
    public static func train(pairs examples: [AdapterExample], corpus: [Float], dimension d: Int, encoderID: String,
                             folds requestedFolds: Int = 5, seed: UInt64 = 42) -> (adapter: QueryAdapter?, report: AdapterTraining) {
        let pairCount = examples.reduce(0) { $0 + $1.targets.count }
        let folds = max(2, min(requestedFolds, examples.count))
        var report = AdapterTraining(lambda: nil, identityScore: 0, scores: [], folds: folds, examples: examples.count, pairs: pairCount)
        guard examples.count >= 2, pairCount > 0 else { return (nil, report) }
        // Seeded fold assignment.
        var order = Array(examples.indices)
        var rng = SplitMix64(seed: seed)
        order.shuffle(using: &rng)
        var fold = [Int](repeating: 0, count: examples.count)
        for (i, e) in order.enumerated() { fold[e] = i % folds }

        let identity = identityMatrix(d)
        report.identityScore = meanNDCG(examples, matrix: identity, corpus: corpus, d: d)
        var best: (lambda: Double, score: Double)?
        for factor in lambdaFactors {
            var total = 0.0
            for f in 0..<folds {
                let train = examples.indices.filter { fold[$0] != f }.map { examples[$0] }
                let held = examples.indices.filter { fold[$0] == f }.map { examples[$0] }
                let lambda = factor * Double(max(1, train.reduce(0) { $0 + $1.targets.count }))
                guard let w = fit(train, corpus: corpus, d: d, lambda: lambda) else { continue }
                total += meanNDCG(held, matrix: w, corpus: corpus, d: d) * Double(held.count)
            }
            let score = total / Double(examples.count)
            report.scores.append(.init(lambda: factor * Double(pairCount), score: score))
            if score > (best?.score ?? -1) { best = (factor * Double(pairCount), score) }
        }
        // The safeguard: keep the identity unless cross-validation says the map helps.
        guard let best, best.score > report.identityScore, let w = fit(examples, corpus: corpus, d: d, lambda: best.lambda) else {
            return (nil, report)
        }
        report.lambda = best.lambda
        return (QueryAdapter(encoderID: encoderID, dimension: d, matrix: w), report)
    }

    /// W = (QᵀQ + λI)⁻¹ (QᵀT + λI): ridge regression of targets on queries, shrunk toward the identity.
    static func fit(_ examples: [AdapterExample], corpus: [Float], d: Int, lambda: Double) -> [Float]? {
        var q: [Float] = [], t: [Float] = []
        for e in examples {
            for row in e.targets {
                q += e.query
                t += corpus[(row * d)..<(row * d + d)]
            }
        }
        let n = q.count / d
        var (a, b) = RidgeSolve.gram(x: q, y: t, n: n, d: d, e: d)
        let l = Float(lambda)
        for i in 0..<d {
            a[i * d + i] += l
            b[i * d + i] += l
        }
        return RidgeSolve.solve(a: a, b: b, d: d, e: d)
    }

    static func identityMatrix(_ d: Int) -> [Float] {
        var m = [Float](repeating: 0, count: d * d)
        for i in 0..<d { m[i * d + i] = 1 }
        return m
    }

    /// Mean nDCG@10 over chunk rankings (a chunk of a relevant document counts once per relevant document).
    static func meanNDCG(_ examples: [AdapterExample], matrix: [Float], corpus: [Float], d: Int) -> Double {
        guard !examples.isEmpty else { return 0 }
        // Blocks of 32 queries: the score matrix stays 32 × chunks whatever the index size.
        var total = 0.0
        for start in stride(from: 0, to: examples.count, by: 32) {
            let block = Array(examples[start..<min(start + 32, examples.count)])
            total += sumNDCG(block, matrix: matrix, corpus: corpus, d: d)
        }
        return total / Double(examples.count)
    }

    static func sumNDCG(_ examples: [AdapterExample], matrix: [Float], corpus: [Float], d: Int) -> Double {
        let rows = corpus.count / d, m = examples.count
        var adapted = RidgeSolve.times(examples.flatMap(\.query), matrix, n: m, rows: d, cols: d)  // (m, d)
        for i in 0..<m {
            var v = Array(adapted[(i * d)..<(i * d + d)])
            QueryAdapter.normalise(&v)
            adapted.replaceSubrange((i * d)..<(i * d + d), with: v)
        }
        var scores = [Float](repeating: 0, count: m * rows)  // (m, rows)
        adapted.withUnsafeBufferPointer { a in
            corpus.withUnsafeBufferPointer { c in
                scores.withUnsafeMutableBufferPointer { s in
                    Sgemm.abT(m: m, n: rows, k: d, a: a.baseAddress!, lda: d, b: c.baseAddress!, ldb: d, c: s.baseAddress!, ldc: rows)
                }
            }
        }
        var total = 0.0
        for (i, e) in examples.enumerated() {
            var top = TopK(k: 10)
            for r in 0..<rows { top.push(scores[i * rows + r], r) }
            var dcg = 0.0, gains = 0
            for (rank, hit) in top.sorted().enumerated() where e.relevant.contains(hit.id) && gains < e.targets.count {
                dcg += 1 / log2(Double(rank + 2))
                gains += 1
            }
            let ideal = (0..<min(10, e.targets.count)).reduce(0.0) { $0 + 1 / log2(Double($1 + 2)) }
            total += ideal > 0 ? dcg / ideal : 0
        }
        return total
    }
}
