/// The table of every setting `rag.toml`, `RAG_<SECTION>_<KEY>` and the flags share: one definition each.
/// Defaults of other targets' values are written out here (Settings depends on RAGCore alone); SettingsTests checks
/// they equal the libraries' own defaults.
public enum Setting {
    // [ingest]
    public static let chunkTokens = SettingDefinition(.ingest, "chunk_tokens", .int(min: 16, max: nil), .int(200), "Chunk size in encoder tokens.")
    public static let chunkOverlap = SettingDefinition(.ingest, "chunk_overlap", .int(min: 0, max: nil), .int(32), "Overlap between consecutive chunks in encoder tokens.")
    public static let encoderPrecision = SettingDefinition(.ingest, "encoder_precision", .choice(["auto", "fp32", "int8"]), .string("auto"), "Encoder linear-layer precision of new vectors: auto (the index's own; for a new index int8 with the local encoder — retrieval as good as fp32 on SciFact, encoding 1.5× (512-bit) to 1.8× (256-bit) faster — and fp32 through openai: encoders), fp32 or int8.")
    public static let redact = SettingDefinition(.ingest, "redact", .string, nil, "Replace personal data with placeholders before chunking: a comma-separated list of email, phone, card, iban, ip, secret, or all.")
    public static let followSymlinks = SettingDefinition(.ingest, "follow_symlinks", .bool, .bool(false), "Follow symbolic links inside the folders even when they lead outside them (off: such links are skipped and reported).")
    public static let noEmbed = SettingDefinition(.ingest, "no_embed", .bool, .bool(false), "Store chunks without embedding them (keyword search only); a later ingest without it embeds them.")

    // [retrieval]
    public static let mode = SettingDefinition(.retrieval, "mode", .choice(["dense", "keyword", "hybrid"]), .string("hybrid"), "Retrieval mode: dense, keyword (FTS5 bm25) or hybrid (reciprocal-rank fusion of both).")
    /// `rag search` shows 10 results when neither flag, environment nor file says otherwise (`searchK`).
    public static let k = SettingDefinition(.retrieval, "k", .int(min: 1, max: nil), .int(5), "How many chunks to retrieve.")
    public static let searchDefaultK = 10
    public static let fusion = SettingDefinition(.retrieval, "fusion", .choice(["rrf", "weighted"]), .string("rrf"), "Fusion for hybrid: rrf (k = 60) or weighted.")
    public static let denseWeight = SettingDefinition(.retrieval, "dense_weight", .double(min: 0, max: 1), .double(0.5), "Dense weight of weighted fusion (keyword weight is 1 minus it).")
    public static let indexType = SettingDefinition(.retrieval, "index_type", .choice(["auto", "flat", "int8", "ivf"]), .string("auto"), "Vector index: auto, flat, int8 or ivf.")
    public static let nprobe = SettingDefinition(.retrieval, "nprobe", .int(min: 1, max: nil), nil, "IVF lists to probe per query (default: the index's default).")
    public static let minRelevance = SettingDefinition(.retrieval, "min_relevance", .double(min: -1, max: 1), .double(0.2), "Chunks less similar than this to the question (cosine) are not used.")
    public static let queryEncoder = SettingDefinition(.retrieval, "query_encoder", .choice(["full", "distilled"]), .string("full"), "Query encoder: full (the index's encoder) or distilled (its first layers and a fitted map; `rag index distill`).")
    public static let noAdapter = SettingDefinition(.retrieval, "no_adapter", .bool, .bool(false), "Do not apply the index's query adapter (`rag index adapt`) to query vectors.")
    public static let encoder = SettingDefinition(.retrieval, "encoder", .string, .string("local"), "local, or openai:URL[,URL…]: OpenAI-compatible /v1/embeddings servers (text-embeddings-inference, vLLM, Ollama, llama-server --embeddings, rag serve), the least busy healthy one per request.")
    public static let encoderModel = SettingDefinition(.retrieval, "encoder_model", .string, .string("all-minilm-l6-v2"), "Model name sent to openai: encoders; their replies must name the same model.")

    // [answer]
    public static let style = SettingDefinition(.answer, "style", .choice(["short", "free", "extractive"]), nil, "short: a span copied from the documents, then the sentence it stands on (default with the local generator); free: the generator's own words, each sentence checked against the context (default with openai: generators); extractive: the best-matching sentences, quoted.")
    public static let template = SettingDefinition(.answer, "template", .string, nil, "Prompt template: a built-in name (default, concise) or a .mustache file.")
    public static let generator = SettingDefinition(.answer, "generator", .string, .string("local"), "local, or openai:URL[,URL…]: OpenAI-compatible servers, the least busy healthy one per request.")
    public static let generatorModel = SettingDefinition(.answer, "generator_model", .string, .string("smollm2-135m-instruct"), "Model name sent to openai: backends.")
    public static let contextLength = SettingDefinition(.answer, "context_length", .int(min: 256, max: 8192), .int(2048), "Generator context window in tokens.")
    public static let threads = SettingDefinition(.answer, "threads", .int(min: 1, max: nil), nil, "Generator threads (default: all cores, adapted to free ones).")
    public static let temperature = SettingDefinition(.answer, "temperature", .double(min: 0, max: 2), .double(0), "Sampling temperature in [0, 2]; 0 is greedy.")
    public static let topK = SettingDefinition(.answer, "top_k", .int(min: 0, max: 100_000), .int(40), "Keep the k most likely tokens; 0 is off.")
    public static let topP = SettingDefinition(.answer, "top_p", .double(min: 0, max: 1), .double(0.95), "Nucleus sampling mass in (0, 1].")
    public static let minP = SettingDefinition(.answer, "min_p", .double(min: 0, max: 1), .double(0.05), "Drop tokens below this share of the best one's probability.")
    public static let repeatPenalty = SettingDefinition(.answer, "repeat_penalty", .double(min: 0, max: 10), .double(1.1), "Penalty for repeating recent tokens; 1 is off.")
    public static let maxTokens = SettingDefinition(.answer, "max_tokens", .int(min: 1, max: nil), .int(256), "Most tokens to generate (at most the context length).")
    public static let stop = SettingDefinition(.answer, "stop", .strings, .strings([]), "Stop when this text appears (repeatable).")
    public static let seed = SettingDefinition(.answer, "seed", .int(min: 0, max: nil), nil, "Random seed: the same seed gives the same answer.")
    public static let readerPassages = SettingDefinition(.answer, "reader_passages", .int(min: 1, max: 100), .int(5), "--style short: how many of the top chunks the span reader reads.")
    public static let readerRankPenalty = SettingDefinition(.answer, "reader_rank_penalty", .double(min: 0, max: nil), .double(1), "--style short: score subtracted from a span per rank of its chunk (retrieval's order as a prior).")
    public static let readerMinScore = SettingDefinition(.answer, "reader_min_score", .double(min: nil, max: nil), .double(2), "--style short: below this score (start + end logit over the reader's no-answer logits) the best span is no answer, and rag says the documents do not contain it.")
    public static let readerGeneratorWeight = SettingDefinition(.answer, "reader_generator_weight", .double(min: 0, max: nil), .double(0), "--style short: weight of the generator's likelihood of each of the best spans (0: the reader alone; loads the generator).")
    public static let noPruneContext = SettingDefinition(.answer, "no_prune_context", .bool, .bool(false), "--style free: give the generator whole chunks, not the sentences of each that bear on the question.")
    public static let keepUnsupported = SettingDefinition(.answer, "keep_unsupported", .bool, .bool(false), "--style free: keep sentences the support check flags as unsupported (they are listed either way).")
    public static let noPrefixCache = SettingDefinition(.answer, "no_prefix_cache", .bool, .bool(false), "Turn the generator's prompt-prefix KV cache off.")

    // [serve]
    public static let host = SettingDefinition(.serve, "host", .string, .string("127.0.0.1"), "Address to bind (a non-loopback address needs --api-key, or --insecure-no-auth).")
    public static let port = SettingDefinition(.serve, "port", .int(min: 0, max: 65535), .int(8080), "Port (0: any free port).")
    public static let allowedHost = SettingDefinition(.serve, "allowed_host", .strings, .strings([]), "A Host name requests may use besides loopback names and the bind address (repeatable; * allows any).")
    public static let insecureNoAuth = SettingDefinition(.serve, "insecure_no_auth", .bool, .bool(false), "Serve on a non-loopback address without an API key.")
    public static let queryLogDays = SettingDefinition(.serve, "query_log_days", .double(min: 0, max: nil), .double(30), "Keep logged answers (the questions asked) at most this many days; answers with feedback stay.")
    public static let queryLogRows = SettingDefinition(.serve, "query_log_rows", .int(min: 0, max: nil), .int(100_000), "Keep at most this many logged answers, newest first.")
    public static let answerCacheRows = SettingDefinition(.serve, "answer_cache_rows", .int(min: 0, max: nil), .int(10_000), "Keep at most this many cached answers, newest first.")
    public static let maxBodyBytes = SettingDefinition(.serve, "max_body_bytes", .int(min: 1024, max: nil), .int(1 << 20), "Largest request body in bytes.")
    public static let maxConnections = SettingDefinition(.serve, "max_connections", .int(min: 1, max: nil), .int(512), "Most connections open at once; more wait to be accepted.")
    public static let requestTimeout = SettingDefinition(.serve, "request_timeout", .double(min: 0, max: nil), .double(120), "Longest a request may take, in seconds (streamed answers included).")
    public static let maxConcurrent = SettingDefinition(.serve, "max_concurrent", .int(min: 1, max: nil), nil, "Generations running at once (default: the local generator's slots, --parallel; 4 per backend for openai:).")
    public static let parallel = SettingDefinition(.serve, "parallel", .int(min: 1, max: 64), .int(4), "Local generator slots: sequences decoded together in one pass over the weights.")
    public static let maxQueue = SettingDefinition(.serve, "max_queue", .int(min: 0, max: nil), .int(8), "Generations that may wait; more get 503 with Retry-After.")
    public static let healthInterval = SettingDefinition(.serve, "health_interval", .double(min: 0, max: nil), .double(2), "Seconds between health checks of generator and encoder backends.")

    /// Every setting, in `rag config show`'s order.
    public static let all: [SettingDefinition] = [
        chunkTokens, chunkOverlap, encoderPrecision, redact, followSymlinks, noEmbed,
        mode, k, fusion, denseWeight, indexType, nprobe, minRelevance, queryEncoder, noAdapter, encoder, encoderModel,
        style, template, generator, generatorModel, contextLength, threads, temperature, topK, topP, minP, repeatPenalty,
        maxTokens, stop, seed, readerPassages, readerRankPenalty, readerMinScore, readerGeneratorWeight, noPruneContext, keepUnsupported,
        noPrefixCache,
        host, port, allowedHost, insecureNoAuth, queryLogDays, queryLogRows, answerCacheRows, maxBodyBytes,
        maxConnections, requestTimeout, maxConcurrent, parallel, maxQueue, healthInterval,
    ]

    /// The definition of `section.key`, if there is one.
    public static func named(_ section: String, _ key: String) -> SettingDefinition? {
        all.first { $0.section.rawValue == section && $0.key == key }
    }
}
