/// The Encoder module; see docs/ARCHITECTURE.md.
public enum EncoderModule {}
