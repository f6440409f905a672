/// The search kernels (fp32 and int8 dot products, top-k selection) against their scalar references on odd shapes.
import Kernels
import Testing

@Test(arguments: [1, 7, 8, 31, 32, 33, 100, 384, 385])
func f32DotProductMatchesScalarReference(count: Int) {
    let a = randomFloats(count, seed: 11), b = randomFloats(count, seed: 12)
    let got = a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in
        DotProduct.f32(pa.baseAddress!, pb.baseAddress!, count: count)
    } }
    #expect(abs(Double(got) - DotProduct.referenceF32(a, b)) < 1e-4 * Double(max(1, count)).squareRoot())
}

@Test(arguments: [1, 15, 16, 17, 63, 384, 1000])
func int8DotProductIsExact(count: Int) {
    let a = randomFloats(count, seed: 21).map { Int8(($0 * 127).rounded()) }
    let b = randomFloats(count, seed: 22).map { Int8(($0 * 127).rounded()) }
    let extreme = [Int8](repeating: -128, count: count)
    a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in
        #expect(Int(DotProduct.i8(pa.baseAddress!, pb.baseAddress!, count: count)) == DotProduct.referenceI8(a, b))
    } }
    extreme.withUnsafeBufferPointer { p in
        #expect(Int(DotProduct.i8(p.baseAddress!, p.baseAddress!, count: count)) == DotProduct.referenceI8(extreme, extreme))
    }
}

@Test func rowScoresMatchOneDotPerRow() {
    let dim = 13, rows = 5
    let m = randomFloats(dim * rows, seed: 31), q = randomFloats(dim, seed: 32)
    var out = [Float](repeating: 0, count: rows)
    m.withUnsafeBufferPointer { mp in q.withUnsafeBufferPointer { qp in
        DotProduct.f32Rows(query: qp.baseAddress!, rows: mp.baseAddress!, count: rows, dimension: dim, into: &out)
    } }
    for r in 0..<rows {
        #expect(abs(Double(out[r]) - DotProduct.referenceF32(Array(m[r * dim..<(r + 1) * dim]), q)) < 1e-5)
    }
}

@Test(arguments: [(1, 1), (10, 3), (100, 10), (1000, 37), (5, 10)])
func topKSelectsWhatAFullSortSelects(n: Int, k: Int) {
    // Quantised scores, so ties occur and the tie rule (smaller id first) is exercised.
    let scores = randomFloats(n, seed: UInt64(n * 7 + k)).map { ($0 * 8).rounded() }
    var top = TopK(k: k)
    for (i, s) in scores.enumerated() { top.push(s, i) }
    let got = top.sorted()
    let expected = TopK.reference(scores: scores, k: k)
    #expect(got.map(\.id) == expected.map(\.id))
    #expect(got.map(\.score) == expected.map(\.score))
}

@Test func mergedSelectionsEqualOneSelectionOverEverything() {
    let scores = randomFloats(500, seed: 41).map { ($0 * 5).rounded() }
    var a = TopK(k: 12), b = TopK(k: 12)
    for i in 0..<250 { a.push(scores[i], i) }
    for i in 250..<500 { b.push(scores[i], i) }
    a.merge(b)
    #expect(a.sorted().map(\.id) == TopK.reference(scores: scores, k: 12).map(\.id))
}

@Test func topKOfZeroKeepsNothing() {
    var top = TopK(k: 0)
    top.push(1, 0)
    #expect(top.sorted().isEmpty)
}
