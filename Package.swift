// swift-tools-version:6.0
import PackageDescription

// AVX2 + FMA code generation for every Swift and C target of this package (see docs/ARCHITECTURE.md).
let simd: [SwiftSetting] = [
    .unsafeFlags(["-Xcc", "-march=x86-64-v3"]),
    .unsafeFlags(["-Ounchecked"], .when(configuration: .release)),
]

let package = Package(
    name: "rag",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "rag", targets: ["rag"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", exact: "0.9.20"),
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
        // AVX2 byte multiply-add kernels for the generator's quantised weights (Swift cannot emit vpmaddubsw).
        .target(name: "CQuantKernels"),
        // The encoder's int8 GEMM: AVX-512 VNNI intrinsics (with runtime dispatch), which Swift cannot emit.
        .target(name: "CInt8Gemm", cSettings: [.unsafeFlags(["-O3", "-march=x86-64-v3"])]),
        .target(name: "Kernels", dependencies: ["CBLAS", "CQuantKernels", "CInt8Gemm"], swiftSettings: simd),
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
        .target(name: "Answering", dependencies: [
            "Retrieval", "Store", "RAGCore",
            .product(name: "Mustache", package: "swift-mustache"),
        ], swiftSettings: simd),
        // OpenAI-compatible generation over HTTP (NIO HTTP/1.1 client) and the load-balanced backend pool.
        .target(name: "RemoteGeneration", dependencies: [
            "RAGCore",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Metrics", package: "swift-metrics"),
        ]),
        // Generator set-up (local GGUF or remote pool) for `rag ask` and `rag serve`, below Server so the CLI's
        // ask needs no HTTP server and the numeric Generator stays free of NIO.
        .target(name: "Backends", dependencies: ["Generator", "RemoteGeneration", "Tokenizers", "RAGCore"]),
        .target(name: "Server", dependencies: [
            "Answering", "Retrieval", "Store", "Encoder", "Backends", "RemoteGeneration", "RAGCore",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "MCP", package: "swift-sdk"),
        ]),
        .executableTarget(
            name: "rag",
            dependencies: [
                "RAGCore", "Kernels", "Tokenizers", "Encoder", "Generator", "Ingest", "Store", "Retrieval", "Answering",
                "RemoteGeneration", "Backends", "Server",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: simd
        ),

        .testTarget(name: "RAGCoreTests", dependencies: ["RAGCore"], swiftSettings: simd),
        .testTarget(name: "KernelsTests", dependencies: ["Kernels"], swiftSettings: simd),
        .testTarget(name: "TokenizersTests", dependencies: ["Tokenizers", "RAGCore"], swiftSettings: simd),
        .testTarget(name: "EncoderTests", dependencies: ["Encoder", "Kernels", "Tokenizers", "RAGCore"], swiftSettings: simd),
        .testTarget(name: "GeneratorTests", dependencies: ["Generator", "Kernels", "Tokenizers", "RAGCore"], swiftSettings: simd),
        .testTarget(name: "IngestTests", dependencies: ["Ingest", "Tokenizers", "RAGCore"], swiftSettings: simd),
        .testTarget(name: "StoreTests", dependencies: ["Store", "Ingest", "RAGCore"], swiftSettings: simd),
        .testTarget(name: "RetrievalTests", dependencies: ["Retrieval", "Store", "Ingest", "Encoder", "RAGCore"], swiftSettings: simd),
        .testTarget(name: "AnsweringTests", dependencies: ["Answering", "Retrieval", "Generator", "RAGCore"], swiftSettings: simd),
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
        .testTarget(name: "CLITests", dependencies: ["RAGCore", "Store", "RemoteGeneration", "Server"], swiftSettings: simd),
    ]
)
