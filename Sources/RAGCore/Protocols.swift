/// The small protocols the modules plug into, so pipeline logic can be tested with a deterministic fake.

/// Counts the tokens a text costs a model (the chunker sizes chunks with the encoder's tokenizer).
public protocol TokenCounter: Sendable {
    /// Tokens of `text` without special tokens and without truncation.
    func tokenCount(_ text: String) -> Int
}

/// Turns texts into L2-normalised vectors.
public protocol Embedder: Sendable {
    /// Identifies the model and its weights (used to key the embedding cache and to refuse mixing indexes).
    var modelID: String { get }
    var dimension: Int { get }
    func embed(_ texts: [String]) throws -> [[Float]]
    /// Keys query-vector and answer caches: `modelID`, plus what a query encoder does on top of the model (a
    /// distilled query encoder, a query adapter), so adapted and plain query vectors never mix.
    var queryCacheID: String { get }
}

extension Embedder {
    public var queryCacheID: String { modelID }
}

/// Reads one file's bytes into a structured `Document`.
public protocol DocumentLoader: Sendable {
    func load(path: String, bytes: [UInt8]) throws -> [Document]
}
