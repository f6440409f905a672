/// Adding up ingest summaries: a sharded ingest reports one summary for all its shards.
extension IngestSummary {
    /// Adds `other`'s counts, problems and redactions to these (`filesRemoved` and peak RSS are the caller's).
    public mutating func add(_ other: IngestSummary) {
        files += other.files
        filesChanged += other.filesChanged
        filesUnchanged += other.filesUnchanged
        filesFailed += other.filesFailed
        documents += other.documents
        chunks += other.chunks
        embedded += other.embedded
        embeddingCacheHits += other.embeddingCacheHits
        bytes += other.bytes
        seconds += other.seconds
        problems += other.problems
        pages += other.pages
        entries += other.entries
        for (kind, n) in other.redactions { redactions[kind, default: 0] += n }
    }
}
