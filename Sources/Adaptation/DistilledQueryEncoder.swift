/// The distilled query encoder: the first L layers of the index's encoder, pooled and normalised, then a linear map
/// (d×d + bias) fitted by ridge regression so its normalised output matches the full encoder's vectors. Documents
/// keep their full-encoder vectors; only queries take the cheaper path.
import Encoder
import Foundation
import Kernels
import RAGCore
import Store

public struct DistilledQueryEncoder: Sendable {
    public let encoder: MiniLMEncoder
    public let layers: Int
    /// d × d, row-major: `y = x · matrix + bias`, then normalised.
    public let matrix: [Float]
    public let bias: [Float]

    public init(encoder: MiniLMEncoder, layers: Int, matrix: [Float], bias: [Float]) {
        let d = encoder.dimension
        precondition(matrix.count == d * d && bias.count == d, "distilled map shape")
        self.encoder = encoder
        self.layers = layers
        self.matrix = matrix
        self.bias = bias
    }

    /// The stored map for `encoder`; refuses a map fitted for another encoder or of another shape.
    public init(encoder: MiniLMEncoder, stored map: StoredQueryMap) throws {
        guard map.encoder == encoder.modelID else {
            throw RAGError(.encoderMismatch, "the distilled query encoder was fitted for \(map.encoder), but the encoder is \(encoder.modelID): run `rag index distill` again")
        }
        let d = encoder.dimension
        guard let layers = map.layers, (1...encoder.config.layers).contains(layers), map.rows == d, map.cols == d,
              let bias = map.bias else {
            throw RAGError(.corruptIndex, "the stored distilled query encoder is malformed (\(map.rows)×\(map.cols), layers \(map.layers.map(String.init) ?? "none"))")
        }
        self.init(encoder: encoder, layers: layers, matrix: map.matrix, bias: bias)
    }

    public var stored: StoredQueryMap {
        StoredQueryMap(kind: .distilled, encoder: encoder.modelID, layers: layers, rows: encoder.dimension,
                       cols: encoder.dimension, matrix: matrix, bias: bias)
    }

    /// Short content hash of the map, for cache keys.
    public var id: String {
        "L\(layers)@" + String(ContentHash.sha256Hex((matrix + bias).withUnsafeBytes { Array($0) }).prefix(12))
    }

    /// Unit-length vectors in the full encoder's space.
    public func embed(_ texts: [String]) -> [[Float]] {
        let d = encoder.dimension
        let x = encoder.embed(texts, layers: layers)
        guard !x.isEmpty else { return [] }
        let y = RidgeSolve.times(x.flatMap { $0 }, matrix, n: x.count, rows: d, cols: d)
        return (0..<x.count).map { i in
            var v = [Float](repeating: 0, count: d)
            for c in 0..<d { v[c] = y[i * d + c] + bias[c] }
            QueryAdapter.normalise(&v)
            return v
        }
    }
}

/// How a distilled query encoder was fitted and how close it came.
public struct DistillationReport: Sendable, Codable {
    public var layers: Int
    /// Chunks sampled, and first sentences of them added as query-length inputs.
    public var chunks: Int
    public var sentences: Int
    public var lambda: Double
    /// Mean cosine on the held-out 10% per λ tried (empty when λ was given).
    public var lambdaScores: [LambdaScore]
    /// Cosine between distilled and full vectors on the training inputs: mean and 1st percentile (chunks,
    /// sentences), and the same for the truncated encoder without the map (what the map buys).
    public var chunkCosine: CosineSummary
    public var sentenceCosine: CosineSummary
    public var unmappedChunkCosine: CosineSummary
    public var unmappedSentenceCosine: CosineSummary
    public var seconds: Double

    public struct LambdaScore: Sendable, Codable {
        public var lambda: Double
        public var validationCosine: Double
    }

    public struct CosineSummary: Sendable, Codable {
        public var mean: Double
        public var p01: Double
        public var min: Double
    }
}

public enum QueryEncoderDistiller {
    /// Fits the map for `layers` on up to `sampleChunks` of the store's chunks (seeded sample), whose stored vectors
    /// are the targets, plus each sampled chunk's first sentence (embedded by the full encoder) when `sentences`.
    public static func fit(encoder: MiniLMEncoder, store: IndexStore, layers: Int, sampleChunks: Int = 4000,
                           sentences: Bool = true, lambda: Double? = nil, seed: UInt64 = 42) throws -> (DistilledQueryEncoder, DistillationReport) {
        let start = Date()
        guard (1..<encoder.config.layers).contains(layers) else {
            throw RAGError.invalidParameter("layers", "must be 1…\(encoder.config.layers - 1) (the encoder has \(encoder.config.layers)), not \(layers)")
        }
        guard let model = try store.meta("embedding_model") else {
            throw RAGError(.noVectors, "index \(store.path) has no vectors: ingest with the encoder first")
        }
        guard model == encoder.modelID else {
            throw RAGError(.encoderMismatch, "index \(store.path) was embedded with \(model), but the encoder is \(encoder.modelID)")
        }
        let matrix = try store.loadVectorMatrix()
        guard matrix.count > 0 else { throw RAGError(.noVectors, "index \(store.path) has no vectors") }
        var rows = Array(0..<matrix.count)
        var rng = SplitMix64(seed: seed)
        rows.shuffle(using: &rng)
        rows = Array(rows.prefix(sampleChunks)).sorted()
        let ids = rows.map { matrix.ids[$0] }
        let hits = try store.chunkHits(ids)
        var texts: [String] = [], targets: [[Float]] = [], firstSentences: [String] = []
        for (row, id) in zip(rows, ids) {
            guard let h = hits[id] else { continue }
            texts.append(h.headingPath.isEmpty ? h.text : h.headingPath + " " + h.text)
            targets.append(matrix.vector(row))
            if sentences, let s = firstSentence(h.text) { firstSentences.append(s) }
        }
        let sentenceTargets = try encoder.embed(firstSentences)
        let inputs = texts + firstSentences
        let y = targets + sentenceTargets
        let x = encoder.embed(inputs, layers: layers)
        let d = encoder.dimension, n = x.count, e = d
        // λ: the given one, or the best of a grid by mean cosine on a seeded 10% of the inputs held out of the fit
        // (a small index overfits at small λ: 385 weights per output against a few hundred inputs).
        var holdOut = Array(0..<n)
        holdOut.shuffle(using: &rng)
        let validation = Array(holdOut.prefix(max(1, n / 10))), fitting = Array(holdOut.dropFirst(max(1, n / 10)))
        var scores: [DistillationReport.LambdaScore] = []
        let chosen: Double
        if let lambda {
            chosen = lambda
        } else {
            var best = (lambda: lambdaGrid[0], score: -Double.infinity)
            for l in lambdaGrid {
                guard let (m, b) = solve(x, y, rows: fitting, lambda: l, d: d) else { continue }
                let score = validation.reduce(0.0) { $0 + Double(cosineOf(apply(x[$1], m, b, d), y[$1])) } / Double(validation.count)
                scores.append(.init(lambda: l, validationCosine: score))
                if score > best.score { best = (l, score) }
            }
            chosen = best.lambda
        }
        guard let (m, b) = solve(x, y, rows: Array(0..<n), lambda: chosen, d: d) else {
            throw RAGError(.internalError, "the distillation's normal equations are not positive definite")
        }
        let distilled = DistilledQueryEncoder(encoder: encoder, layers: layers, matrix: m, bias: b)
        // Closeness on the training inputs, with and without the map.
        func summary(_ pairs: [([Float], [Float])]) -> DistillationReport.CosineSummary {
            let cs = pairs.map { p in Double(zip(p.0, p.1).reduce(Float(0)) { $0 + $1.0 * $1.1 }) }.sorted()
            guard !cs.isEmpty else { return .init(mean: 0, p01: 0, min: 0) }
            return .init(mean: cs.reduce(0, +) / Double(cs.count), p01: cs[cs.count / 100], min: cs[0])
        }
        let mapped = (0..<n).map { i -> [Float] in
            apply(x[i], distilled.matrix, distilled.bias, d)
        }
        let nc = texts.count
        let report = DistillationReport(
            layers: layers, chunks: nc, sentences: firstSentences.count, lambda: chosen, lambdaScores: scores,
            chunkCosine: summary((0..<nc).map { (mapped[$0], y[$0]) }),
            sentenceCosine: summary((nc..<n).map { (mapped[$0], y[$0]) }),
            unmappedChunkCosine: summary((0..<nc).map { (x[$0], y[$0]) }),
            unmappedSentenceCosine: summary((nc..<n).map { (x[$0], y[$0]) }),
            seconds: Date().timeIntervalSince(start))
        return (distilled, report)
    }

    /// λ tried (times inputs / dimension, on the weights only).
    public static let lambdaGrid: [Double] = [0.001, 0.01, 0.1, 1, 10]

    /// Ridge fit of y on [x 1] over `rows`: (M d×d, b d).
    static func solve(_ x: [[Float]], _ y: [[Float]], rows: [Int], lambda: Double, d: Int) -> ([Float], [Float])? {
        // Bias through an appended constant 1 feature: X̃ = [X 1] (n × (d+1)); ridge on the weights, not the bias.
        let da = d + 1, n = rows.count
        var xa = [Float](repeating: 1, count: n * da), ya = [Float](repeating: 0, count: n * d)
        for (k, i) in rows.enumerated() {
            for c in 0..<d { xa[k * da + c] = x[i][c]; ya[k * d + c] = y[i][c] }
        }
        var (a, b) = RidgeSolve.gram(x: xa, y: ya, n: n, d: da, e: d)
        for i in 0..<d { a[i * da + i] += Float(lambda * Double(n) / Double(d)) }
        a[d * da + d] += 1e-6
        guard let w = RidgeSolve.solve(a: a, b: b, d: da, e: d) else { return nil }
        return (Array(w[0..<(d * d)]), Array(w[(d * d)..<(da * d)]))
    }

    static func apply(_ x: [Float], _ m: [Float], _ b: [Float], _ d: Int) -> [Float] {
        var v = RidgeSolve.rowTimes(x, m, rows: d, cols: d, bias: b)
        QueryAdapter.normalise(&v)
        return v
    }

    static func cosineOf(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(Float(0)) { $0 + $1.0 * $1.1 } }

    /// The chunk's first sentence of at least 3 words (query-length text), or nil.
    static func firstSentence(_ text: String) -> String? {
        var current = ""
        for ch in text {
            current.append(ch)
            if ch == "." || ch == "?" || ch == "!" || ch == "\n" {
                let s = current.trimmingCharacters(in: .whitespacesAndNewlines)
                if s.split(separator: " ").count >= 3 { return s }
                current = ""
            }
        }
        let s = current.trimmingCharacters(in: .whitespacesAndNewlines)
        return s.split(separator: " ").count >= 3 ? String(s.prefix(300)) : nil
    }
}
