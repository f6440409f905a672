/// The Ingest module; see docs/ARCHITECTURE.md.
public enum IngestModule {}
