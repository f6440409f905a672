/// One ranked chunk of a search result: where it is, its text and highlighted snippet, and its rank and score.

/// One ranked chunk.
public struct SearchHit: Sendable, Codable, Equatable {
    public var rank: Int
    public var score: Double
    public var chunkID: Int64
    public var documentID: Int64
    public var path: String
    public var externalID: String?
    public var headingPath: String
    public var text: String
    public var snippet: String

    public init(rank: Int, score: Double, chunkID: Int64, documentID: Int64, path: String, externalID: String?,
                headingPath: String, text: String, snippet: String) {
        self.rank = rank
        self.score = score
        self.chunkID = chunkID
        self.documentID = documentID
        self.path = path
        self.externalID = externalID
        self.headingPath = headingPath
        self.text = text
        self.snippet = snippet
    }
}
