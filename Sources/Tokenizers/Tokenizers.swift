/// The Tokenizers module; see docs/ARCHITECTURE.md.
public enum TokenizersModule {}
