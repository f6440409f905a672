/// The Kernels module; see docs/ARCHITECTURE.md.
public enum KernelsModule {}
