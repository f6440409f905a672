/// The Generator module; see docs/ARCHITECTURE.md.
public enum GeneratorModule {}
