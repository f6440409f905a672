/// The Store module; see docs/ARCHITECTURE.md.
public enum StoreModule {}
