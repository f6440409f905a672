/// Keyword search over chunk text and heading paths with FTS5's bm25 ranking.
import Foundation
import RAGCore

public enum KeywordQuery {
    /// Turns free text into an FTS5 query: every word quoted (so FTS5 operators and punctuation in the user's text
    /// are plain words) and ORed, which is how the SQLite reference run in `shared/eval` queries. Nil when the text
    /// has no word at all.
    public static func fts5(_ text: String, maxTerms: Int = 64) -> String? {
        var terms: [String] = []
        var seen = Set<String>()
        var current = String.UnicodeScalarView()
        func flush() {
            if !current.isEmpty {
                let t = String(current).lowercased()
                if seen.insert(t).inserted { terms.append(t) }
                current = String.UnicodeScalarView()
            }
        }
        for s in text.unicodeScalars {
            if s.properties.isAlphabetic || s.properties.numericType != nil || s.properties.generalCategory == .nonspacingMark {
                current.append(s)
            } else {
                flush()
            }
        }
        flush()
        guard !terms.isEmpty else { return nil }
        return terms.prefix(maxTerms).map { "\"\($0)\"" }.joined(separator: " OR ")
    }
}

extension IndexStore {
    /// The best `k` chunks for `query` by bm25 (higher score is better). `highlight` wraps matched terms in the snippet.
    /// `filter` is applied inside the query, so k hits come back when k matching chunks pass it.
    public func keywordSearch(_ query: String, k: Int, highlight: (String, String) = ("[", "]"),
                              filter: ChunkFilter? = nil) throws -> [SearchHit] {
        let ranked = try keywordRanked(query, k: k, filter: filter)
        guard !ranked.isEmpty else { return [] }
        let details = try chunkHits(ranked.map(\.key))
        let snippets = try keywordSnippets(query, chunkIDs: ranked.map(\.key), highlight: highlight)
        var hits: [SearchHit] = []
        for (id, score) in ranked {
            guard var h = details[id] else { continue }
            h.rank = hits.count + 1
            h.score = score
            if let s = snippets[id] { h.snippet = s }
            hits.append(h)
        }
        return hits
    }

    /// The best `k` chunks for `query` by bm25 as (chunk id, score), without reading their text. Ranking first and
    /// fetching text and snippets for the k winners only matters: SQLite computes every selected column for every
    /// matching row before it sorts, and FTS5's snippet() is the costly one.
    public func keywordRanked(_ query: String, k: Int, filter: ChunkFilter? = nil) throws -> [(key: Int64, score: Double)] {
        guard let match = KeywordQuery.fts5(query) else { return [] }
        let stmt: Statement
        if let filter, !filter.isEmpty {
            stmt = try rankedChunks(columns: "c.id, -bm25(chunks_fts)", leading: [], match: match, filter: filter, limit: k)
        } else {
            // No filter: rank inside FTS5 alone, without joining three tables for every matching row.
            stmt = try db.prepare("""
                SELECT rowid, -bm25(chunks_fts) FROM chunks_fts WHERE chunks_fts MATCH ?
                ORDER BY bm25(chunks_fts), rowid LIMIT ?
                """)
            try stmt.bind([.text(match), .int(Int64(k))])
        }
        var out: [(key: Int64, score: Double)] = []
        while try stmt.step() { out.append((key: stmt.int(0), score: stmt.double(1))) }
        return out
    }

    /// Highlighted snippets of the given chunks for `query` (chunks the query does not match get none).
    public func keywordSnippets(_ query: String, chunkIDs: [Int64], highlight: (String, String) = ("[", "]")) throws -> [Int64: String] {
        guard !chunkIDs.isEmpty, let match = KeywordQuery.fts5(query) else { return [:] }
        let placeholders = Array(repeating: "?", count: chunkIDs.count).joined(separator: ",")
        let stmt = try db.prepare("""
            SELECT rowid, snippet(chunks_fts, 0, ?, ?, '…', 24) FROM chunks_fts
            WHERE chunks_fts MATCH ? AND rowid IN (\(placeholders))
            """)
        try stmt.bind([.text(highlight.0), .text(highlight.1), .text(match)] + chunkIDs.map { .int($0) })
        var out: [Int64: String] = [:]
        while try stmt.step() { out[stmt.int(0)] = stmt.text(1) }
        return out
    }

    /// Documents ranked by their best-scoring chunk (for evaluation): (document key, score), best first.
    /// The key is the document's external id when it has one (BEIR `_id`), else its path.
    public func keywordRankDocuments(_ query: String, limit: Int, filter: ChunkFilter? = nil) throws -> [(String, Double)] {
        guard let match = KeywordQuery.fts5(query) else { return [] }
        // Several chunks of one document can rank; read enough chunks to fill `limit` documents in practice.
        let stmt = try rankedChunks(columns: "coalesce(d.external_id, d.path), -bm25(chunks_fts)", leading: [],
                                    match: match, filter: filter, limit: limit * 4)
        var best: [String: Double] = [:]
        var order: [String] = []
        while try stmt.step() {
            let key = stmt.text(0)
            if best[key] == nil { best[key] = stmt.double(1); order.append(key) }
        }
        return order.prefix(limit).map { ($0, best[$0]!) }
    }

    /// The one FTS5 ranking query both searches share: chunks matching `match` (and `filter`), best bm25 first,
    /// selecting `columns` (whose own parameters are bound from `leading`).
    private func rankedChunks(columns: String, leading: [SQLValue], match: String, filter: ChunkFilter?, limit: Int) throws -> Statement {
        let (cond, values) = filter.map(\.sql) ?? ("1", [])
        let stmt = try db.prepare("""
            SELECT \(columns)
            FROM chunks_fts
            JOIN chunks c ON c.id = chunks_fts.rowid
            JOIN documents d ON d.id = c.document_id
            JOIN files f ON f.id = d.file_id
            WHERE chunks_fts MATCH ? AND \(cond)
            ORDER BY bm25(chunks_fts), c.id
            LIMIT ?
            """)
        try stmt.bind(leading + [.text(match)] + values + [.int(Int64(limit))])
        return stmt
    }
}
