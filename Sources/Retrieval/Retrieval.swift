/// The Retrieval module: dense, keyword and hybrid search over an index (see docs/ARCHITECTURE.md).
public enum RetrievalModule {}
