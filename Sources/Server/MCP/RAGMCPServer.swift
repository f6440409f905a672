/// The Model Context Protocol face of the service (the official Swift SDK): tools `search`, `ask`, `get_document`,
/// `list_documents`, and every ingested document as a resource `rag://doc/<id>`. `rag mcp` serves it over stdio;
/// `rag serve` over streamable HTTP at /mcp (MCPController). Arguments are checked by the same code as the HTTP
/// API's bodies, so a bad argument is a tool error with the same code and message as the API's error.
import Answering
import Foundation
import MCP
import RAGCore
import Store

public enum RAGMCP {
    static let name = "rag"
    static let version = "1.0.0"
    static let instructions = """
        Retrieval over a local document index. Use `search` to find passages (each with its path, heading path and \
        chunk id), `ask` for a short cited answer, `get_document` to read a document (by path or by a chunk id from \
        search), `list_documents` to see what is indexed. Documents are also resources rag://doc/<id>.
        """

    /// A server with every handler registered, not yet started.
    static func makeServer(state: ServiceState, configuration: ServerConfiguration) async -> Server {
        let server = Server(name: name, version: version, instructions: instructions,
                            capabilities: .init(resources: .init(subscribe: false, listChanged: false), tools: .init(listChanged: false)))
        let tools = MCPTools(state: state, configuration: configuration)
        await server.withMethodHandler(ListTools.self) { _ in .init(tools: MCPTools.definitions) }
        await server.withMethodHandler(CallTool.self) { params in await tools.call(params.name, params.arguments ?? [:]) }
        await server.withMethodHandler(ListResources.self) { params in try await tools.listResources(cursor: params.cursor) }
        await server.withMethodHandler(ReadResource.self) { params in try await tools.readResource(params.uri) }
        return server
    }

    /// `rag mcp`: loads the models and index, then serves MCP on stdin/stdout until the client closes stdin.
    public static func runStdio(configuration: ServerConfiguration) async throws {
        let state = ServiceState()
        state.set(try Services(configuration: configuration))
        let server = await makeServer(state: state, configuration: configuration)
        try await server.start(transport: StdioTransport())
        await server.waitUntilCompleted()
    }
}

/// The tools and resources over the loaded services.
struct MCPTools: Sendable {
    let state: ServiceState
    let configuration: ServerConfiguration

    static let maxDocumentPage = 100
    static let resourcePage = 100

    static func schema(_ properties: [String: Value], required: [String]) -> Value {
        .object(["type": "object", "properties": .object(properties), "required": .array(required.map { .string($0) }),
                 "additionalProperties": false])
    }

    static func property(_ type: String, _ description: String, extra: [String: Value] = [:]) -> Value {
        .object(["type": .string(type), "description": .string(description)].merging(extra) { a, _ in a })
    }

    static let filterProperty = property("array", """
        Restrict to matching chunks; each term is field:value, e.g. "path:docs/*.md", "format:pdf", "heading:Install*". \
        Terms on different fields must all match.
        """, extra: ["items": .object(["type": "string"])])

    static let definitions: [Tool] = [
        Tool(name: "search", title: "Search the documents",
             description: "Ranked passages (chunks) for a query, each with its path, heading path, text, score and chunk id. Fast; no generation.",
             inputSchema: schema([
                "query": property("string", "What to look for: a question or keywords."),
                "k": property("integer", "How many passages (1-100, default 10).", extra: ["minimum": 1, "maximum": 100]),
                "mode": property("string", "hybrid (default: keywords and meaning), keyword (exact words, BM25) or dense (meaning only).",
                                 extra: ["enum": ["hybrid", "keyword", "dense"]]),
                "filter": filterProperty,
             ], required: ["query"]),
             annotations: .init(readOnlyHint: true, openWorldHint: false)),
        Tool(name: "ask", title: "Ask the documents",
             description: """
                A short answer to a question from the indexed documents, with its evidence (the cited passages' text) and \
                sources (path, heading path, chunk id). Says so when the documents do not answer it.
                """,
             inputSchema: schema([
                "question": property("string", "The question, in plain language."),
                "k": property("integer", "How many passages to retrieve as context (1-100, default 5).", extra: ["minimum": 1, "maximum": 100]),
                "style": property("string", "short (default with the local generator: a phrase copied from the documents, then the sentence it stands on), free (a written answer citing [n], unsupported sentences dropped; generate is an alias) or extractive (quotes the best sentences, fast).",
                                  extra: ["enum": ["short", "free", "extractive", "generate"]]),
                "mode": property("string", "Retrieval mode: hybrid (default), keyword or dense.", extra: ["enum": ["hybrid", "keyword", "dense"]]),
                "filter": filterProperty,
             ], required: ["question"]),
             annotations: .init(readOnlyHint: true, openWorldHint: false)),
        Tool(name: "get_document", title: "Read a document",
             description: """
                A document's text, chunk by chunk, each under its heading path. Name it by path, by document id, or by any \
                chunk id (from search or ask). Long documents come in pages: pass next_offset back as offset.
                """,
             inputSchema: schema([
                "path": property("string", "The document's path as search and list_documents show it."),
                "chunk_id": property("integer", "Any chunk of the document (chunk_id from search or ask)."),
                "id": property("integer", "The document id (from list_documents or a rag://doc/<id> resource)."),
                "offset": property("integer", "First chunk to return (default 0).", extra: ["minimum": 0]),
                "limit": property("integer", "Most chunks to return (1-100, default 20).", extra: ["minimum": 1, "maximum": 100]),
             ], required: []),
             annotations: .init(readOnlyHint: true, openWorldHint: false)),
        Tool(name: "list_documents", title: "List the documents",
             description: "The indexed documents by path (id, path, title, format, chunk count), with paging.",
             inputSchema: schema([
                "filter": property("string", "A path pattern (* and ? wildcards), e.g. \"*.md\" or \"*/guide/*\"."),
                "format": property("string", "Only this format: markdown, html, text, pdf, docx, pptx, xlsx, odt, odp, ods, epub, …"),
                "offset": property("integer", "Skip this many documents (default 0).", extra: ["minimum": 0]),
                "limit": property("integer", "Most documents to return (1-500, default 50).", extra: ["minimum": 1, "maximum": 500]),
             ], required: []),
             annotations: .init(readOnlyHint: true, openWorldHint: false)),
    ]

    // MARK: Tools

    func call(_ name: String, _ arguments: [String: Value]) async -> CallTool.Result {
        do {
            switch name {
            case "search": return try Self.result(try await search(arguments))
            case "ask": return try Self.result(try await ask(arguments))
            case "get_document": return try Self.result(try await getDocument(arguments))
            case "list_documents": return try Self.result(try await listDocuments(arguments))
            default: throw APIError(.notFound, "no tool named \(name): the tools are search, ask, get_document, list_documents")
            }
        } catch {
            // The API's error object, as text and as structured content.
            let e = APIError.from(error)
            let structured: Value? = try? Self.value(ErrorBody(error: .init(code: e.code.rawValue, message: e.message)))
            return CallTool.Result(content: [.text(text: "\(e.code.rawValue): \(e.message)", annotations: nil, _meta: nil)],
                                   structuredContent: structured, isError: true)
        }
    }

    struct ErrorBody: Encodable { struct Inner: Encodable { var code: String; var message: String }; var error: Inner }

    /// The arguments as a request body: the HTTP API's parsing, limits and messages.
    static func body(_ arguments: [String: Value], allowed: Set<String>) throws -> JSONBody {
        let data = try JSONEncoder().encode(arguments)
        return try JSONBody.parse(Array(data), allowed: allowed)
    }

    static func value(_ encodable: some Encodable) throws -> Value {
        try JSONDecoder().decode(Value.self, from: Reply.encoder.encode(encodable))
    }

    static func result(_ encodable: some Encodable) throws -> CallTool.Result {
        let data = try Reply.encoder.encode(encodable)
        let structured: Value? = try JSONDecoder().decode(Value.self, from: data)
        return CallTool.Result(content: [.text(text: String(decoding: data, as: UTF8.self), annotations: nil, _meta: nil)],
                               structuredContent: structured, isError: false)
    }

    func search(_ arguments: [String: Value]) async throws -> SearchController.SearchReply {
        let body = try Self.body(arguments, allowed: ["query", "k", "mode", "filter"])
        let s = try state.ready()
        return try await SearchController(state: state, configuration: configuration).search(body, services: s)
    }

    struct AskReply: Encodable {
        struct Evidence: Encodable { var n: Int; var path: String; var headingPath: String; var chunkId: Int64?; var text: String }
        var answer: String
        /// The short answer copied from the documents (style short), else null.
        var shortAnswer: String?
        var grounded: Bool
        var evidence: [Evidence]
        var sources: [Answering.Answer.Source]
        var answerId: String
    }

    func ask(_ arguments: [String: Value]) async throws -> AskReply {
        var fields = arguments
        let style = fields.removeValue(forKey: "style")
        switch style {
        case nil, .null?: break
        case .string("generate")?: fields["style"] = .string("free")
        case .string(let name)? where ["short", "free", "extractive"].contains(name): fields["style"] = .string(name)
        case .string(let other)?: throw APIError.invalid("style", "expected short, free, extractive or generate, got \"\(other.prefix(100))\"")
        default: throw APIError.invalid("style", "expected a string")
        }
        let body = try Self.body(fields, allowed: ["question", "k", "mode", "filter", "style"])
        let s = try state.ready()
        let controller = AskController(state: state, configuration: configuration)
        let parsed = try controller.parseAsk(body, services: s)
        let run = try AskController.prepare(parsed, services: s)
        let answer = try await withTimeout(configuration.requestTimeout) { try await run.answer { _ in } }
        let ids = answer.sources.compactMap(\.chunkId)
        let hits = try await s.withSlot { slot in try await Services.offload { try slot.store.chunkHits(ids) } }
        let evidence = answer.sources.map { source in
            AskReply.Evidence(n: source.n, path: source.path, headingPath: source.headingPath, chunkId: source.chunkId,
                              text: source.chunkId.flatMap { hits[$0]?.text } ?? "")
        }
        return AskReply(answer: answer.answer, shortAnswer: answer.shortAnswer, grounded: answer.grounded, evidence: evidence, sources: answer.sources, answerId: answer.id)
    }

    struct DocumentPage: Encodable {
        var document: DocumentSummary
        var offset: Int
        var chunks: [DocumentChunk]
        /// The offset of the next page, absent on the last one.
        var nextOffset: Int?
        /// The page as one text: each chunk under its heading path.
        var text: String
    }

    func getDocument(_ arguments: [String: Value]) async throws -> DocumentPage {
        let body = try Self.body(arguments, allowed: ["path", "chunk_id", "id", "offset", "limit"])
        let path = try body.string("path", maxLength: 10_000, nonEmpty: true)
        let chunkID = try body.int("chunk_id", in: 1...Int.max)
        let id = try body.int("id", in: 1...Int.max)
        guard [path != nil, chunkID != nil, id != nil].filter({ $0 }).count == 1 else {
            throw APIError(.missingField, "name the document by exactly one of path, chunk_id or id")
        }
        let offset = try body.int("offset", in: 0...Int(Int32.max)) ?? 0
        let limit = try body.int("limit", in: 1...Self.maxDocumentPage) ?? 20
        let s = try state.ready()
        return try await s.withSlot { slot in
            try await Services.offload {
                guard let doc = try slot.store.document(id: id.map(Int64.init), path: path, chunkID: chunkID.map(Int64.init)) else {
                    throw APIError(.notFound, path.map { "no document with path \($0) in the index" }
                                   ?? chunkID.map { "no chunk with id \($0) in the index" } ?? "no document with id \(id ?? 0) in the index")
                }
                let chunks = try slot.store.documentChunks(documentID: doc.id, offset: offset, limit: limit)
                return DocumentPage(document: doc, offset: offset, chunks: chunks,
                                    nextOffset: offset + chunks.count < doc.chunks ? offset + chunks.count : nil,
                                    text: Self.text(chunks))
            }
        }
    }

    static func text(_ chunks: [DocumentChunk]) -> String {
        var out = ""
        var heading: String?
        for c in chunks {
            if c.headingPath != heading, !c.headingPath.isEmpty { out += (out.isEmpty ? "" : "\n") + "## \(c.headingPath)\n\n" }
            heading = c.headingPath
            out += c.text + "\n\n"
        }
        return out
    }

    struct DocumentList: Encodable {
        var total: Int
        var offset: Int
        var documents: [DocumentSummary]
        var nextOffset: Int?
    }

    func listDocuments(_ arguments: [String: Value]) async throws -> DocumentList {
        let body = try Self.body(arguments, allowed: ["filter", "format", "offset", "limit"])
        let filter = try body.string("filter", maxLength: 1000, nonEmpty: true)
        let format = try body.string("format", maxLength: 100, nonEmpty: true)
        let offset = try body.int("offset", in: 0...Int(Int32.max)) ?? 0
        let limit = try body.int("limit", in: 1...500) ?? 50
        let s = try state.ready()
        let (total, items) = try await s.withSlot { slot in
            try await Services.offload { try slot.store.documents(pathGlob: filter, format: format, offset: offset, limit: limit) }
        }
        return DocumentList(total: total, offset: offset, documents: items,
                            nextOffset: offset + items.count < total ? offset + items.count : nil)
    }

    // MARK: Resources

    static func uri(_ id: Int64) -> String { "rag://doc/\(id)" }

    func listResources(cursor: String?) async throws -> ListResources.Result {
        let offset = try cursor.map { c -> Int in
            guard let n = Int(c), n >= 0 else { throw MCPError.invalidParams("cursor: not a cursor this server gave") }
            return n
        } ?? 0
        let s = try state.ready()
        let (total, items) = try await s.withSlot { slot in
            try await Services.offload { try slot.store.documents(pathGlob: nil, format: nil, offset: offset, limit: Self.resourcePage) }
        }
        return .init(resources: items.map { d in
            Resource(name: d.path, uri: Self.uri(d.id), title: d.title, description: "\(d.format), \(d.chunks) chunks", mimeType: "text/markdown")
        }, nextCursor: offset + items.count < total ? String(offset + items.count) : nil)
    }

    /// The whole document (at most 5,000 chunks) as text under its heading paths.
    func readResource(_ uri: String) async throws -> ReadResource.Result {
        guard uri.hasPrefix("rag://doc/"), let id = Int64(uri.dropFirst("rag://doc/".count)) else {
            throw MCPError.invalidParams("not a document of this server: \(uri.prefix(200)) (expected rag://doc/<id>)")
        }
        let s = try state.ready()
        let text = try await s.withSlot { slot in
            try await Services.offload { () -> String? in
                guard let doc = try slot.store.document(id: id) else { return nil }
                return "# \(doc.title ?? doc.path)\n\n" + Self.text(try slot.store.documentChunks(documentID: doc.id, offset: 0, limit: 5000))
            }
        }
        guard let text else { throw MCPError.invalidParams("no document with id \(id) in the index (it may have been removed)") }
        return .init(contents: [.text(text, uri: uri, mimeType: "text/markdown")])
    }
}
