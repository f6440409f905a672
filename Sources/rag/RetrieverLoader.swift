/// Builds a `Retriever` for a command: the encoder only when the mode needs vectors, at the precision the index
/// was embedded with, so query and document vectors come from the same model.
import Adaptation
import Answering
import ArgumentParser
import Encoder
import Foundation
import RAGCore
import Retrieval
import Store

struct RetrieverLoader {
    let modelOptions: ModelOptions
    /// nil: the local encoder (commands without `--encoder`, such as the benchmarks).
    var encoderOptions: EncoderOptions? = nil
    /// The query encoder and adapter (default: the full encoder, the index's adapter when it has one).
    var queryEncoding = QueryEncoding()

    func retriever(store: IndexStore, mode: RetrievalMode, options: RetrievalOptions) throws -> Retriever {
        var embedder: (any Embedder)?
        if mode != .keyword {
            let indexModel = try store.meta("embedding_model")
            let base: any Embedder
            if let encoderOptions {
                base = try encoderOptions.embedder(modelsDirectory: modelOptions.directory, indexModel: indexModel)
            } else {
                base = try ModelLoader(directory: modelOptions.directory).encoder(precision: EncoderPrecision(modelID: indexModel))
            }
            embedder = try Self.queryEmbedder(store: store, base: base, encoding: queryEncoding)
        }
        return Retriever(store: store, embedder: embedder, options: options)
    }

    /// `base` wrapped in the distilled query encoder and adapter `encoding` asks for; notes go to stderr.
    static func queryEmbedder(store: IndexStore, base: any Embedder, encoding: QueryEncoding) throws -> any Embedder {
        // An index without vectors has nothing to adapt to (the retriever refuses dense search with its own error).
        guard try store.meta("embedding_model") != nil else { return base }
        let (embedder, notes) = try QueryEncoder.load(store: store, base: base, encoding: encoding)
        for note in notes { printError("rag: warning: \(note)") }
        return embedder
    }
}

extension RetrievalMode: ExpressibleByArgument {}
extension VectorIndexType: ExpressibleByArgument {}

extension RetrieverLoader {
    /// The answer engine's retriever for `store`: the requested mode, or keyword when the index has no vectors.
    /// The encoder is loaded whenever the index has vectors, because the relevance floor needs the question's vector.
    func contextRetriever(store: IndexStore, mode: RetrievalMode) throws -> (retriever: SearchContextRetriever, mode: RetrievalMode, encoderID: String?) {
        let hasVectors = try store.meta("embedding_model") != nil
        if !hasVectors && mode == .dense {
            throw ValidationError("index \(store.path) has no vectors: run `rag ingest` without --no-embed, or use --mode keyword")
        }
        let effective = hasVectors ? mode : .keyword
        let retriever = try self.retriever(store: store, mode: hasVectors ? .dense : .keyword, options: RetrievalOptions())
        // The answer cache is keyed by the query encoder too: adapted and plain retrieval give different answers.
        return (SearchContextRetriever(retriever: retriever), effective, retriever.embedder?.queryCacheID)
    }
}
