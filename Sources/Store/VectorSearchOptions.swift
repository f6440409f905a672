/// How one vector query is scanned: threads, the IVF lists to probe (from the query's validated `SearchParameters`),
/// and the rows a filter admits.

public struct VectorSearchOptions: Sendable {
    /// Threads for one query's scan (1 = the calling thread only).
    public var threads: Int = 1
    /// IVF lists to scan (≥ 1, validated where the query's parameters were built); nil = the index's default.
    public var nprobe: Int? = nil
    /// Only these rows may be returned (applied during the scan, so k results come back when k rows pass).
    public var filter: RowSet? = nil

    public init(threads: Int = 1, nprobe: Int? = nil, filter: RowSet? = nil) {
        self.threads = threads
        self.nprobe = nprobe
        self.filter = filter
    }
}
