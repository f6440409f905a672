/// Where the tests find the repository, its models and the shared reference fixtures (one copy for every test target).
import Foundation

public enum Paths {
    /// The repository root: two levels above this file's folder (Tests/TestSupport/Paths.swift).
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    /// The shared folder beside the repository (reference outputs of other implementations, eval data).
    public static let shared = root.deletingLastPathComponent().appendingPathComponent("shared")
    /// The encoder's files (scripts/fetch-models).
    public static let encoderDirectory = root.appendingPathComponent("Models/minilm")
    /// The generator's GGUF file (scripts/fetch-models).
    public static let generatorModel = root.appendingPathComponent("Models/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf").path
    /// The project's own small fixtures.
    public static let fixtures = root.appendingPathComponent("Tests/Fixtures")

    /// A reference output in ../shared/fixtures.
    public static func sharedFixture(_ name: String) -> URL {
        shared.appendingPathComponent("fixtures").appendingPathComponent(name)
    }
}
