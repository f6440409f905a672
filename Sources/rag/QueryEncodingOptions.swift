/// `--query-encoder` and `--no-adapter`: how queries are embedded (search, ask, eval, eval-qa, serve, mcp); settings
/// `[retrieval] query_encoder` and `no_adapter` of rag.toml.
import Adaptation
import ArgumentParser
import Settings

struct QueryEncodingOptions: ParsableArguments {
    @Option(name: .customLong("query-encoder"), help: settingHelp(Setting.queryEncoder)) var queryEncoderFlag: QueryEncoderChoice?
    @Flag(name: .customLong("no-adapter"), help: settingHelp(Setting.noAdapter)) var noAdapterFlag = false

    var queryEncoder: QueryEncoderChoice { CLISettings.choice(Setting.queryEncoder, queryEncoderFlag) }
    var noAdapter: Bool { CLISettings.bool(Setting.noAdapter, noAdapterFlag) }

    var encoding: QueryEncoding { QueryEncoding(encoder: queryEncoder, adapter: !noAdapter) }
}

extension QueryEncoderChoice: ExpressibleByArgument {}
