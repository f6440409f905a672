/// Every error code of the project in one enum, each with its one HTTP status and its one CLI exit code.
extension RAGError {
    /// A stable machine code; the raw value is what JSON error bodies carry. A code not listed here cannot compile.
    public enum Code: String, Sendable, CaseIterable, Codable {
        // Input: flags, JSON bodies, query values.
        case badRequest = "bad_request"
        /// A benchmark's or evaluation's input file (questions, vectors, corpus) that cannot be used.
        case invalidInput = "invalid_input"
        case invalidField = "invalid_field"
        case missingField = "missing_field"
        case unknownField = "unknown_field"
        case invalidJSON = "invalid_json"
        case invalidParameter = "invalid_parameter"
        case invalidFilter = "invalid_filter"
        case invalidQuestion = "invalid_question"
        case invalidRating = "invalid_rating"
        case invalidShards = "invalid_shards"
        case invalidURL = "invalid_url"
        case invalidVector = "invalid_vector"
        case invalidGenerator = "invalid_generator"
        case invalidEncoder = "invalid_encoder"
        /// A `rag.toml` or `RAG_<SECTION>_<KEY>` value that cannot be used (syntax, unknown key, type, range).
        case invalidConfig = "invalid_config"
        case bodyTooLarge = "body_too_large"
        case methodNotAllowed = "method_not_allowed"
        case unauthorized
        case promptTooLong = "prompt_too_long"
        case contextOverflow = "context_overflow"
        case noGenerator = "no_generator"
        case badTemplate = "bad_template"
        case shardMismatch = "shard_mismatch"
        // Input files (ingest, BEIR data).
        case emptyFile = "empty_file"
        case binaryFile = "binary_file"
        case unsupportedFormat = "unsupported_format"
        case parseError = "parse_error"
        case badLine = "bad_line"
        case tooLarge = "too_large"
        case unreadable
        case permissionDenied = "permission_denied"
        case symlinkLoop = "symlink_loop"
        case outsideRoots = "outside_roots"
        case encrypted
        case noTextLayer = "no_text_layer"
        case unsafeArchive = "unsafe_archive"
        // Requests the server refuses before reading them (DNS rebinding, cross-site posts) and unsafe settings.
        case hostNotAllowed = "host_not_allowed"
        case unsupportedMediaType = "unsupported_media_type"
        case insecureBind = "insecure_bind"
        // Not found.
        case notFound = "not_found"
        case answerNotFound = "answer_not_found"
        case modelNotFound = "model_not_found"
        case indexNotFound = "index_not_found"
        case templateNotFound = "template_not_found"
        // A model or an index that cannot be used.
        case modelMissing = "model_missing"
        case encoderMissing = "encoder_missing"
        case modelCorrupt = "model_corrupt"
        case modelTensor = "model_tensor"
        case modelUnsupported = "model_unsupported"
        case modelInvalid = "model_invalid"
        case invalidModel = "invalid_model"
        case invalidTokenizer = "invalid_tokenizer"
        case unsupportedArchitecture = "unsupported_architecture"
        case unsupportedTensorType = "unsupported_tensor_type"
        case unsupportedTokenizer = "unsupported_tokenizer"
        case unsupportedChatTemplate = "unsupported_chat_template"
        case noVectors = "no_vectors"
        case encoderMismatch = "encoder_mismatch"
        case dimensionMismatch = "dimension_mismatch"
        case emptyIndex = "empty_index"
        case openFailed = "open_failed"
        case corruptIndex = "corrupt_index"
        case corruptManifest = "corrupt_manifest"
        case shardMissing = "shard_missing"
        case schemaTooNew = "schema_too_new"
        case schemaOutdated = "schema_outdated"
        case readOnly = "read_only"
        // Busy, timed out, or a generation backend failed.
        case busy
        case indexBusy = "index_busy"
        case notReady = "not_ready"
        case cancelled
        case timeout
        case backendTimeout = "backend_timeout"
        case noBackend = "no_backend"
        case backendError = "backend_error"
        case backendRejected = "backend_rejected"
        case connectionFailed = "connection_failed"
        case responseTooLarge = "response_too_large"
        case generationIncomplete = "generation_incomplete"
        // Internal.
        case encoderError = "encoder_error"
        case constraint
        case sqliteError = "sqlite_error"
        case httpError = "http_error"
        case internalError = "internal_error"

        /// The HTTP status the server answers with.
        public var httpStatus: Int {
            switch self {
            case .badRequest, .invalidInput, .invalidField, .missingField, .unknownField, .invalidJSON, .invalidParameter,
                 .invalidFilter, .invalidQuestion, .invalidRating, .invalidShards, .invalidURL,
                 .invalidVector, .invalidGenerator, .invalidEncoder, .invalidConfig, .promptTooLong, .contextOverflow, .noGenerator, .badTemplate,
                 .templateNotFound, .shardMismatch, .noVectors, .encoderMismatch,
                 .emptyFile, .binaryFile, .unsupportedFormat, .parseError, .badLine, .tooLarge, .unreadable,
                 .permissionDenied, .symlinkLoop, .outsideRoots, .insecureBind, .encrypted, .noTextLayer, .unsafeArchive:
                return 400
            case .unauthorized: return 401
            case .hostNotAllowed: return 403
            case .unsupportedMediaType: return 415
            case .notFound, .answerNotFound, .modelNotFound: return 404
            case .methodNotAllowed: return 405
            case .bodyTooLarge: return 413
            case .noBackend, .backendError, .backendRejected, .connectionFailed, .responseTooLarge, .generationIncomplete:
                return 502
            case .busy, .indexBusy, .notReady, .cancelled, .modelMissing, .encoderMissing: return 503
            case .timeout, .backendTimeout: return 504
            case .indexNotFound, .modelCorrupt, .modelTensor, .modelUnsupported, .modelInvalid, .invalidModel,
                 .invalidTokenizer, .unsupportedArchitecture, .unsupportedTensorType, .unsupportedTokenizer,
                 .unsupportedChatTemplate, .dimensionMismatch, .emptyIndex, .openFailed, .corruptIndex,
                 .corruptManifest, .shardMissing, .schemaTooNew, .schemaOutdated, .readOnly,
                 .encoderError, .constraint, .sqliteError, .httpError, .internalError:
                return 500
            }
        }

        /// The `rag` process's exit status (documented in `rag --help`):
        /// 1 general or internal failure, 2 invalid input (flags, values, input files), 3 not found,
        /// 4 a model or index that cannot be used, 5 busy, timed out, or a generation or encoder backend failed.
        public var exitCode: Int32 {
            switch self {
            case .badRequest, .invalidInput, .invalidField, .missingField, .unknownField, .invalidJSON, .invalidParameter,
                 .invalidFilter, .invalidQuestion, .invalidRating, .invalidShards, .invalidURL,
                 .invalidVector, .invalidGenerator, .invalidEncoder, .invalidConfig, .bodyTooLarge, .methodNotAllowed, .unauthorized, .promptTooLong,
                 .contextOverflow, .noGenerator, .badTemplate, .shardMismatch,
                 .emptyFile, .binaryFile, .unsupportedFormat, .parseError, .badLine, .tooLarge, .unreadable,
                 .permissionDenied, .symlinkLoop, .outsideRoots, .hostNotAllowed, .unsupportedMediaType, .insecureBind,
                 .encrypted, .noTextLayer, .unsafeArchive:
                return 2
            case .notFound, .answerNotFound, .modelNotFound, .indexNotFound, .templateNotFound:
                return 3
            case .modelMissing, .encoderMissing, .modelCorrupt, .modelTensor, .modelUnsupported, .modelInvalid,
                 .invalidModel, .invalidTokenizer, .unsupportedArchitecture, .unsupportedTensorType,
                 .unsupportedTokenizer, .unsupportedChatTemplate, .noVectors, .encoderMismatch, .dimensionMismatch,
                 .emptyIndex, .openFailed, .corruptIndex, .corruptManifest, .shardMissing, .schemaTooNew,
                 .schemaOutdated, .readOnly:
                return 4
            case .busy, .indexBusy, .notReady, .cancelled, .timeout, .backendTimeout, .noBackend, .backendError,
                 .backendRejected, .connectionFailed, .responseTooLarge, .generationIncomplete:
                return 5
            case .encoderError, .constraint, .sqliteError, .httpError, .internalError:
                return 1
            }
        }
    }
}
