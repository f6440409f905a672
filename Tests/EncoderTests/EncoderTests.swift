/// The encoder against sentence-transformers' vectors (../shared/fixtures/minilm-reference.json) and against broken
/// model files. Run in release: `swift test -c release -Xswiftc -enable-testing --filter EncoderTests`.
import Encoder
import Foundation
import TestSupport
import Testing

struct ReferenceItem: Decodable {
    let text: String
    let token_ids: [Int32]
    let embedding: [Float]
}

struct Reference: Decodable {
    let items: [ReferenceItem]
}

func requireModel() throws {
    let weights = Paths.encoderDirectory.appendingPathComponent("model.safetensors").path
    if !FileManager.default.fileExists(atPath: weights) {
        Issue.record("model files missing in \(Paths.encoderDirectory.path): run scripts/fetch-models")
        throw CancellationError()
    }
}

func loadReference() throws -> Reference {
    try JSONDecoder().decode(Reference.self, from: Data(contentsOf: Paths.sharedFixture("minilm-reference.json")))
}

func cosine(_ a: [Float], _ b: [Float]) -> Double {
    var dot = 0.0, na = 0.0, nb = 0.0
    for i in 0..<a.count {
        dot += Double(a[i]) * Double(b[i])
        na += Double(a[i]) * Double(a[i])
        nb += Double(b[i]) * Double(b[i])
    }
    return dot / (na.squareRoot() * nb.squareRoot())
}

@Test func fp32VectorsMatchSentenceTransformersForEveryFixtureItem() throws {
    try requireModel()
    let encoder = try MiniLMEncoder(directory: Paths.encoderDirectory)
    let reference = try loadReference()
    #expect(encoder.dimension == 384)
    let vectors = try encoder.embed(reference.items.map(\.text))
    var worstCosine = 1.0, worstDiff: Float = 0
    for (item, vector) in zip(reference.items, vectors) {
        #expect(encoder.tokenize(item.text) == item.token_ids, "tokens of \(item.text.debugDescription)")
        let c = cosine(vector, item.embedding)
        let diff = zip(vector, item.embedding).map { abs($0 - $1) }.max() ?? 0
        worstCosine = min(worstCosine, c)
        worstDiff = max(worstDiff, diff)
        #expect(c >= 0.9999, "cosine \(c) for \(item.text.prefix(60).debugDescription)")
        #expect(diff <= 1e-4, "max abs diff \(diff) for \(item.text.prefix(60).debugDescription)")
    }
    print("fp32: worst cosine \(worstCosine), worst max abs diff \(worstDiff)")
}

@Test func embeddingOneByOneEqualsEmbeddingInABatch() throws {
    try requireModel()
    let encoder = try MiniLMEncoder(directory: Paths.encoderDirectory, maxBatchTokens: 512)
    let texts = try loadReference().items.map(\.text)
    let batched = try encoder.embed(texts)
    for (i, text) in texts.enumerated() {
        let single = try encoder.embed([text])[0]
        let diff = zip(single, batched[i]).map { abs($0 - $1) }.max() ?? 0
        #expect(diff <= 1e-5, "\(text.prefix(40).debugDescription)")
    }
}

@Test func int8VectorsStayCloseToTheReferenceForEveryFixtureItem() throws {
    try requireModel()
    let encoder = try MiniLMEncoder(directory: Paths.encoderDirectory, precision: .int8)
    let reference = try loadReference()
    let vectors = try encoder.embed(reference.items.map(\.text))
    var worst = 1.0
    for (item, vector) in zip(reference.items, vectors) {
        let c = cosine(vector, item.embedding)
        worst = min(worst, c)
        #expect(c >= 0.99, "int8 cosine \(c) for \(item.text.prefix(60).debugDescription)")
    }
    print("int8: worst cosine \(worst)")
    let fp32 = try MiniLMEncoder(directory: Paths.encoderDirectory)
    #expect(encoder.modelID != fp32.modelID)
}

@Test func modelIDCarriesTheWeightsSHA256() throws {
    try requireModel()
    let encoder = try MiniLMEncoder(directory: Paths.encoderDirectory)
    #expect(encoder.weightsSHA256.count == 64)
    #expect(encoder.modelID.contains(encoder.weightsSHA256))
}

@Test func hostileInputsGiveUnitVectors() throws {
    try requireModel()
    let encoder = try MiniLMEncoder(directory: Paths.encoderDirectory)
    let texts = ["", "   \t\n", String(repeating: "lorem ipsum dolor ", count: 6_000), "\u{1}\u{2}\u{3}", "🎉🍕👍🏽",
                 String(repeating: "x", count: 100_000)]
    let vectors = try encoder.embed(texts)
    #expect(vectors.count == texts.count)
    for v in vectors {
        let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        #expect(abs(norm - 1) < 1e-4)
        #expect(v.allSatisfy { $0.isFinite })
    }
    #expect(try encoder.embed([]).isEmpty)
}

@Test func aBatchOfTenThousandTextsIsEmbedded() throws {
    try requireModel()
    let encoder = try MiniLMEncoder(directory: Paths.encoderDirectory)
    let texts = (0..<10_000).map { "document number \($0) about retrieval" }
    let vectors = try encoder.embed(texts)
    #expect(vectors.count == 10_000)
    let again = try encoder.embed([texts[1234]])[0]
    #expect(zip(again, vectors[1234]).map { abs($0 - $1) }.max()! < 1e-5)
}

// MARK: - Broken model files

/// A copy of the model folder whose model.safetensors is replaced by `bytes`.
func modelFolder(withWeights bytes: Data) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("minilm-broken-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    for name in ["config.json", "vocab.txt", "tokenizer_config.json", "sentence_bert_config.json", "modules.json"] {
        try FileManager.default.copyItem(at: Paths.encoderDirectory.appendingPathComponent(name), to: dir.appendingPathComponent(name))
    }
    try FileManager.default.createDirectory(at: dir.appendingPathComponent("1_Pooling"), withIntermediateDirectories: true)
    try FileManager.default.copyItem(at: Paths.encoderDirectory.appendingPathComponent("1_Pooling/config.json"),
                                     to: dir.appendingPathComponent("1_Pooling/config.json"))
    try bytes.write(to: dir.appendingPathComponent("model.safetensors"))
    return dir
}

func expectModelError(_ bytes: Data, mentioning words: [String]) throws {
    let dir = try modelFolder(withWeights: bytes)
    defer { try? FileManager.default.removeItem(at: dir) }
    #expect {
        _ = try MiniLMEncoder(directory: dir)
    } throws: { error in
        let text = "\(error)"
        let ok = text.contains("model.safetensors") && text.contains("scripts/fetch-models")
            && words.allSatisfy(text.contains)
        if !ok { print("unexpected message: \(text)") }
        return ok
    }
}

@Test func truncatedWeightsFileIsAClearErrorNamingFileAndTensor() throws {
    try requireModel()
    let full = try Data(contentsOf: Paths.encoderDirectory.appendingPathComponent("model.safetensors"))
    try expectModelError(full.prefix(full.count / 2), mentioning: ["truncated", "tensor"])
    try expectModelError(full.prefix(5), mentioning: ["truncated"])
}

@Test func corruptHeaderIsAClearError() throws {
    try requireModel()
    var full = try Data(contentsOf: Paths.encoderDirectory.appendingPathComponent("model.safetensors"))
    full.replaceSubrange(8..<40, with: Data(repeating: 0x7B, count: 32))
    try expectModelError(full, mentioning: ["JSON header"])
    var huge = Data(count: 16)
    huge[7] = 0x7F
    try expectModelError(huge, mentioning: ["header length"])
}

@Test func missingTensorIsAClearErrorNamingTheTensor() throws {
    try requireModel()
    let header = #"{"embeddings.word_embeddings.weight":{"dtype":"F32","shape":[1,1],"data_offsets":[0,4]}}"#
    var data = Data()
    var length = UInt64(header.utf8.count).littleEndian
    data.append(Data(bytes: &length, count: 8))
    data.append(Data(header.utf8))
    data.append(Data(count: 4))
    try expectModelError(data, mentioning: ["embeddings.word_embeddings.weight", "shape"])
    let header2 = #"{"other":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#
    var data2 = Data()
    var length2 = UInt64(header2.utf8.count).littleEndian
    data2.append(Data(bytes: &length2, count: 8))
    data2.append(Data(header2.utf8))
    data2.append(Data(count: 4))
    try expectModelError(data2, mentioning: ["embeddings.word_embeddings.weight", "missing"])
}

@Test func missingWeightsFileTellsToFetchModels() throws {
    try requireModel()
    let dir = try modelFolder(withWeights: Data())
    defer { try? FileManager.default.removeItem(at: dir) }
    try FileManager.default.removeItem(at: dir.appendingPathComponent("model.safetensors"))
    #expect {
        _ = try MiniLMEncoder(directory: dir)
    } throws: { error in
        "\(error)".contains("model.safetensors") && "\(error)".contains("scripts/fetch-models")
    }
}
