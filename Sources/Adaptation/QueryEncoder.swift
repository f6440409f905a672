/// The query side of retrieval: the index's encoder, or its distilled stand-in, then the query adapter when the
/// index holds one. Documents keep the full encoder's vectors; this embedder is for queries only.
import Encoder
import Foundation
import RAGCore
import Store

/// `--query-encoder`: which encoder embeds queries.
public enum QueryEncoderChoice: String, Sendable, CaseIterable, Codable {
    /// The index's encoder (the default).
    case full
    /// The index's distilled query encoder (`rag index distill`).
    case distilled
}

/// The query-time settings: the encoder choice and whether a stored adapter applies.
public struct QueryEncoding: Sendable, Equatable {
    public var encoder: QueryEncoderChoice
    public var adapter: Bool
    public init(encoder: QueryEncoderChoice = .full, adapter: Bool = true) {
        self.encoder = encoder
        self.adapter = adapter
    }
    public static let plain = QueryEncoding(encoder: .full, adapter: false)
}

public final class QueryEncoder: Embedder, @unchecked Sendable {  // immutable after init
    /// The index's encoder (its `modelID` names the vector space queries must land in).
    public let base: any Embedder
    public let distilled: DistilledQueryEncoder?
    public let adapter: QueryAdapter?

    /// Computed once: the maps' content hashes cost about a millisecond each, and every search reads this key.
    public let queryCacheID: String

    public init(base: any Embedder, distilled: DistilledQueryEncoder? = nil, adapter: QueryAdapter? = nil) {
        self.base = base
        self.distilled = distilled
        self.adapter = adapter
        queryCacheID = base.queryCacheID + (distilled.map { "+distilled-\($0.id)" } ?? "") + (adapter.map { "+adapter@\($0.id)" } ?? "")
    }

    public var modelID: String { base.modelID }
    public var dimension: Int { base.dimension }

    public func embed(_ texts: [String]) throws -> [[Float]] {
        let plain = try distilled?.embed(texts) ?? base.embed(texts)
        guard let adapter else { return plain }
        return plain.map(adapter.apply)
    }

    /// The query encoder `encoding` asks for over `base` (the encoder of the index in `store`), and notes for the
    /// user (a stored adapter fitted for another encoder is ignored, with a note). Returns `base` itself when
    /// nothing applies.
    public static func load(store: IndexStore, base: any Embedder, encoding: QueryEncoding) throws -> (embedder: any Embedder, notes: [String]) {
        var notes: [String] = []
        var distilled: DistilledQueryEncoder?
        if encoding.encoder == .distilled {
            guard let map = try store.queryMap(.distilled) else {
                throw RAGError.invalidParameter("--query-encoder", "distilled: index \(store.path) has no distilled query encoder; run `rag index distill --layers L` first")
            }
            guard let local = (base as? MiniLMEncoder) ?? ((base as? QueryEncoder)?.base as? MiniLMEncoder) else {
                throw RAGError.invalidParameter("--query-encoder", "distilled needs the local encoder (--encoder local)")
            }
            distilled = try DistilledQueryEncoder(encoder: local, stored: map)
        }
        var adapter: QueryAdapter?
        if encoding.adapter, let map = try store.queryMap(.adapter) {
            let a = try QueryAdapter(map)
            if a.encoderID != base.modelID {
                notes.append("the query adapter of \(store.path) was fitted for \(a.encoderID), not the index's encoder \(base.modelID): ignored (run `rag index adapt` again)")
            } else if a.dimension != base.dimension {
                notes.append("the query adapter of \(store.path) is \(a.dimension)-dimensional, the encoder \(base.dimension): ignored")
            } else {
                adapter = a
            }
        }
        if distilled == nil && adapter == nil { return (base, notes) }
        return (QueryEncoder(base: base, distilled: distilled, adapter: adapter), notes)
    }
}
