/// The Answering module: context packing, prompt templates, the answer engine and citations.
public enum AnsweringModule {}
