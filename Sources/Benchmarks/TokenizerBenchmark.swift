/// WordPiece token-counting throughput (the chunker's hot path during ingest): the fastest of several passes.
import Foundation
import Tokenizers

public enum TokenizerBenchmark {
    public struct Result: Encodable, Sendable {
        public var texts: Int
        public var bytes: Int
        public var tokens: Int
        public var seconds: RoundedNumber
        public var mbPerS: RoundedNumber
        public var tokensPerS: RoundedNumber
    }

    public static func run(_ tokenizer: WordPieceTokenizer, texts: [String], repeats: Int) -> Result {
        let bytes = texts.reduce(0) { $0 + $1.utf8.count }
        var best = Double.infinity
        var tokens = 0
        for _ in 0..<max(1, repeats) {
            let start = DispatchTime.now().uptimeNanoseconds
            tokens = texts.reduce(0) { $0 + tokenizer.tokenCount($1) }
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return Result(texts: texts.count, bytes: bytes, tokens: tokens, seconds: RoundedNumber(best),
                      mbPerS: RoundedNumber(Double(bytes) / 1e6 / best), tokensPerS: RoundedNumber(Double(tokens) / best))
    }
}
