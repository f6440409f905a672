/// `--query-encoder` and `--no-adapter`: how queries are embedded (search, ask, eval, eval-qa, serve, mcp).
import Adaptation
import ArgumentParser

struct QueryEncodingOptions: ParsableArguments {
    @Option(help: "Query encoder: full (the index's encoder) or distilled (its first layers and a fitted map; `rag index distill`).")
    var queryEncoder: QueryEncoderChoice = .full
    @Flag(help: "Do not apply the index's query adapter (`rag index adapt`) to query vectors.") var noAdapter = false

    var encoding: QueryEncoding { QueryEncoding(encoder: queryEncoder, adapter: !noAdapter) }
}

extension QueryEncoderChoice: ExpressibleByArgument {}
