/// Locates the model and llama.cpp's reference fixture, and shares one loaded engine between tests.
import Foundation
import Generator
import TestSupport
import Testing

enum Fixture {
    static let root = Paths.root
    static let modelPath = Paths.generatorModel
    static let referencePath = Paths.sharedFixture("smollm2-reference.json").path

    static func reference() throws -> [String: Any] {
        guard let data = FileManager.default.contents(atPath: referencePath) else {
            Issue.record("reference fixture missing at \(referencePath)")
            throw FixtureMissing()
        }
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    static func cases(_ key: String) throws -> [[String: Any]] { try reference()[key] as! [[String: Any]] }

    /// The shared engine; a missing model fails the test with instructions (never a skip).
    static func engine() throws -> LocalGenerator {
        guard FileManager.default.fileExists(atPath: modelPath) else {
            Issue.record("model missing at \(modelPath): run scripts/fetch-models")
            throw FixtureMissing()
        }
        return try shared.get()
    }

    private static let shared = LazyEngine()

    struct FixtureMissing: Error {}
}

final class LazyEngine: @unchecked Sendable {  // guarded by lock
    private let lock = NSLock()
    private var engine: LocalGenerator?
    func get() throws -> LocalGenerator {
        lock.lock(); defer { lock.unlock() }
        if let e = engine { return e }
        let e = try LocalGenerator(modelPath: Fixture.modelPath, threads: 2, contextLength: 2048)
        engine = e
        return e
    }
}

extension Array where Element == Any {
    var ints: [Int32] { map { Int32($0 as! Int) } }
}
