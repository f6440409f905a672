/// Builds a `Retriever` for a command: the encoder only when the mode needs vectors, at the precision the index
/// was embedded with, so query and document vectors come from the same model.
import ArgumentParser
import Encoder
import Foundation
import Retrieval
import Store

struct RetrieverLoader {
    let modelOptions: ModelOptions

    /// The encoder precision an index's vectors were made with (its model id reads "minilm/<precision>@sha256:…").
    static func precision(ofModelID id: String?) -> EncoderPrecision {
        guard let id, let slash = id.firstIndex(of: "/"), let at = id.firstIndex(of: "@") , slash < at else { return .fp32 }
        return EncoderPrecision(rawValue: String(id[id.index(after: slash)..<at])) ?? .fp32
    }

    func retriever(store: IndexStore, mode: RetrievalMode, options: RetrievalOptions) throws -> Retriever {
        var embedder: MiniLMEncoder?
        if mode != .keyword {
            let models = try ModelLoader(directory: modelOptions.directory)
            embedder = try models.encoder(precision: Self.precision(ofModelID: try store.meta("embedding_model")))
        }
        return Retriever(store: store, embedder: embedder, options: options)
    }
}

extension RetrievalMode: ExpressibleByArgument {}
extension VectorIndexType: ExpressibleByArgument {}
