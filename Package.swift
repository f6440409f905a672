// swift-tools-version:6.0
import PackageDescription

// AVX2 + FMA code generation for every Swift and C target of this package (see docs/ARCHITECTURE.md).
let simd: [SwiftSetting] = [
    .unsafeFlags(["-Xcc", "-march=x86-64-v3"]),
]
// `-Ounchecked` (no overflow or bounds traps) only for the numeric kernels, whose loops index buffers they sized
// themselves; every target that reads files, JSON or requests keeps Swift's checks.
let kernelSettings: [SwiftSetting] = simd + [
    .unsafeFlags(["-Ounchecked"], .when(configuration: .release)),
]

let package = Package(
    name: "rag",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "rag", targets: ["rag"]),
    ],
    // Exact versions: Package.resolved stays out of git (the package mirror's commit ids are not upstream's), so the
    // manifest is where the versions the tests ran with are fixed.
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", exact: "4.5.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", exact: "2.1.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-metrics", exact: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", exact: "2.4.1"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections", exact: "1.6.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", exact: "0.9.20"),
        // `rag.toml` (the Settings target, `rag tune --write`).
        .package(url: "https://github.com/LebJe/TOMLKit", exact: "0.6.0"),
        // MCP (`rag mcp`, /mcp). Pinned by revision (tag 0.12.1): the SDK depends on swift-docc-plugin by branch,
        // which SwiftPM refuses below a version requirement.
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk", revision: "76188b328811b7eef8073627bdb241d355d2d00c"),
    ],
    targets: [
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        // PDF text through poppler's GLib API (it pulls in GLib/GObject via pkg-config).
        .systemLibrary(name: "CPoppler", pkgConfig: "poppler-glib", providers: [.apt(["libpoppler-glib-dev"])]),
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),

        .target(name: "RAGCore", dependencies: [.product(name: "Crypto", package: "swift-crypto")], swiftSettings: simd),
        // Every command's settings: one table of definitions and the resolver (flag, then RAG_* env, then rag.toml,
        // then default).
        .target(name: "Settings", dependencies: ["RAGCore", .product(name: "TOMLKit", package: "TOMLKit")]),
        // AVX2 byte multiply-add kernels for the generator's quantised weights (Swift cannot emit vpmaddubsw).
        .target(name: "CQuantKernels"),
        // The encoder's int8 GEMM: AVX-512 VNNI intrinsics (with runtime dispatch), which Swift cannot emit.
        .target(name: "CInt8Gemm", cSettings: [.unsafeFlags(["-O3", "-march=x86-64-v3"])]),
        .target(name: "Kernels", dependencies: ["CBLAS", "CQuantKernels", "CInt8Gemm", "RAGCore"], swiftSettings: kernelSettings),
        .target(name: "Tokenizers", dependencies: [
            "RAGCore", .product(name: "HeapModule", package: "swift-collections"),
        ], swiftSettings: simd),
        .target(name: "Encoder", dependencies: ["Kernels", "Tokenizers", "RAGCore"], swiftSettings: simd),
        .target(name: "Generator", dependencies: ["Kernels", "Tokenizers", "RAGCore"], swiftSettings: simd),
        .target(name: "Ingest", dependencies: [
            "CLibXML2", "CPoppler", "Tokenizers", "RAGCore", "Store",
            .product(name: "ZIPFoundation", package: "ZIPFoundation"),
        ], swiftSettings: simd),
        .target(name: "Store", dependencies: ["CSQLite", "Kernels", "RAGCore"], swiftSettings: simd),
        .target(name: "Retrieval", dependencies: ["Store", "RAGCore"], swiftSettings: simd),
        // Learned query-side maps: the query adapter and the distilled query encoder (fits by ridge regression).
        .target(name: "Adaptation", dependencies: ["Encoder", "Store", "Kernels", "RAGCore"], swiftSettings: simd),
        // Extractive span reader: the sentence encoder's states of (question, passage) and a small trained head.
        .target(name: "Reader", dependencies: ["Encoder", "Tokenizers", "Kernels", "RAGCore"],
                resources: [.copy("Resources/span-reader.safetensors")], swiftSettings: simd),
        .target(name: "Answering", dependencies: [
            "Retrieval", "Store", "RAGCore", "Reader",
            .product(name: "Mustache", package: "swift-mustache"),
        ], swiftSettings: simd),
        // OpenAI-compatible generation and embeddings over HTTP (NIO HTTP/1.1 client) and the load-balanced pool.
        .target(name: "RemoteGeneration", dependencies: [
            "RAGCore",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Metrics", package: "swift-metrics"),
        ]),
        // Generator set-up (local GGUF or remote pool) for `rag ask` and `rag serve`, below Server so the CLI's
        // ask needs no HTTP server and the numeric Generator stays free of NIO.
        // Encoder set-up too (local MiniLM or a remote /v1/embeddings pool checked against it), for every command.
        .target(name: "Backends", dependencies: ["Generator", "Encoder", "RemoteGeneration", "Tokenizers", "RAGCore"]),
        // Every `rag bench …` measurement and `rag eval`'s run, so the CLI only parses and prints.
        .target(name: "Benchmarks", dependencies: [
            "Answering", "Retrieval", "Store", "Ingest", "Encoder", "Generator", "Tokenizers", "Kernels",
            "RemoteGeneration", "Backends", "RAGCore", "Adaptation",
            .product(name: "NIOCore", package: "swift-nio"),
        ], swiftSettings: simd),
        // `rag tune`: the seeded search over retrieval, answer and chunking settings against an evaluation set, and
        // writing the best into rag.toml.
        .target(name: "Tuning", dependencies: [
            "Benchmarks", "Answering", "Retrieval", "Store", "Ingest", "Encoder", "RAGCore",
            .product(name: "TOMLKit", package: "TOMLKit"),
        ], swiftSettings: simd),
        .target(name: "Server", dependencies: [
            "Answering", "Retrieval", "Store", "Encoder", "Backends", "Generator", "RemoteGeneration", "RAGCore", "Reader", "Adaptation",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "MCP", package: "swift-sdk"),
        ]),
        .executableTarget(
            name: "rag",
            dependencies: [
                "RAGCore", "Kernels", "Tokenizers", "Encoder", "Generator", "Ingest", "Store", "Retrieval", "Answering", "Reader",
                "RemoteGeneration", "Backends", "Server", "Benchmarks", "Settings", "Tuning", "Adaptation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: simd,
            plugins: ["BuildInfoPlugin"]
        ),
        // The git commit for `rag --version`, generated at build time.
        .plugin(name: "BuildInfoPlugin", capability: .buildTool()),

        // Helpers every test target shares: repository paths, the BEIR test corpus, fakes.
        .target(name: "TestSupport", dependencies: ["RAGCore", "Store"], path: "Tests/TestSupport"),
        .testTarget(name: "RAGCoreTests", dependencies: ["TestSupport", "RAGCore"], swiftSettings: simd),
        .testTarget(name: "SettingsTests", dependencies: [
            "Settings", "RAGCore", "Ingest", "Answering", "Retrieval", .product(name: "TOMLKit", package: "TOMLKit"),
        ], swiftSettings: simd),
        .testTarget(name: "KernelsTests", dependencies: ["Kernels", "CQuantKernels", "CInt8Gemm", "RAGCore"], swiftSettings: simd),
        .testTarget(name: "TokenizersTests", dependencies: ["TestSupport", "Tokenizers", "RAGCore"], swiftSettings: simd),
        .testTarget(name: "ReaderTests", dependencies: ["TestSupport", "Reader", "Encoder", "Tokenizers"], swiftSettings: simd),
        .testTarget(name: "EncoderTests", dependencies: ["TestSupport", "Encoder", "Kernels", "Tokenizers", "RAGCore"], swiftSettings: simd),
        .testTarget(name: "GeneratorTests", dependencies: ["TestSupport", "Generator", "Kernels", "Tokenizers", "RAGCore"], swiftSettings: simd),
        .testTarget(name: "IngestTests", dependencies: ["Ingest", "Tokenizers", "RAGCore"], swiftSettings: simd),
        .testTarget(name: "StoreTests", dependencies: ["TestSupport", "Store", "Ingest", "RAGCore"], swiftSettings: simd),
        .testTarget(name: "RetrievalTests", dependencies: ["TestSupport", "Retrieval", "Store", "Ingest", "Encoder", "RAGCore"], swiftSettings: simd),
        .testTarget(name: "AdaptationTests", dependencies: [
            "TestSupport", "Adaptation", "Benchmarks", "Encoder", "Store", "Ingest", "Retrieval", "Kernels", "RAGCore",
        ], swiftSettings: simd),
        .testTarget(name: "AnsweringTests", dependencies: ["TestSupport", "Answering", "Retrieval", "Generator", "RAGCore"], swiftSettings: simd),
        .testTarget(name: "BenchmarksTests", dependencies: ["TestSupport", "Benchmarks", "Answering", "Retrieval", "Store", "RAGCore"], swiftSettings: simd),
        .testTarget(name: "TuningTests", dependencies: [
            "TestSupport", "Tuning", "Benchmarks", "Retrieval", "Store", "Ingest", "Encoder", "Tokenizers", "RAGCore",
            .product(name: "TOMLKit", package: "TOMLKit"),
        ], swiftSettings: simd),
        .testTarget(name: "RemoteGenerationTests", dependencies: [
            "RemoteGeneration", "RAGCore",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "ServerTests", dependencies: [
            "Server", "RemoteGeneration", "RAGCore",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
        ], swiftSettings: simd),
        .testTarget(name: "CLITests", dependencies: [
            "TestSupport", "RAGCore", "Store", "RemoteGeneration", "Server", .product(name: "TOMLKit", package: "TOMLKit"),
        ], swiftSettings: simd),
    ]
)
