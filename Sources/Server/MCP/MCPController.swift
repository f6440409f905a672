/// POST and DELETE /mcp: MCP's streamable HTTP transport (the SDK's stateful transport, one MCP server per session),
/// behind the same Host check and API key as the rest of the API. GET /mcp (a standalone stream for server-initiated
/// messages, which this server never sends) is not offered: 405, as the transport's specification allows, so that no
/// endless stream holds up a graceful shutdown.
import Foundation
import HTTPTypes
import Hummingbird
import MCP
import NIOCore

struct MCPController: RouteController {
    let state: ServiceState
    let configuration: ServerConfiguration
    let sessions: MCPSessions

    init(state: ServiceState, configuration: ServerConfiguration) {
        self.state = state
        self.configuration = configuration
        sessions = MCPSessions(state: state, configuration: configuration)
    }

    static let endpoints: [Endpoint<Self>] = [
        Endpoint(.post, "/mcp") { c, r in try await c.handle(r) },
        Endpoint(.delete, "/mcp") { c, r in try await c.handle(r) },
    ]

    func handle(_ request: Request) async throws -> Response {
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: configuration.maxBodyBytes)
        } catch is NIOTooManyBytesError {
            throw APIError(.bodyTooLarge, "the request body is larger than the limit of \(configuration.maxBodyBytes) bytes")
        }
        var headers: [String: String] = [:]
        for field in request.headers {
            headers[field.name.canonicalName] = headers[field.name.canonicalName].map { $0 + ", " + field.value } ?? field.value
        }
        let mcpRequest = MCP.HTTPRequest(method: request.method.rawValue, headers: headers,
                                         body: body.readableBytes > 0 ? Data(body.readableBytesView) : nil, path: request.uri.path)
        let response = await sessions.handle(mcpRequest)
        var fields = HTTPFields()
        for (name, value) in response.headers { if let n = HTTPField.Name(name) { fields[n] = value } }
        let status = HTTPResponse.Status(code: response.statusCode)
        switch response {
        case .stream(let stream, _):
            return Response(status: status, headers: fields, body: ResponseBody { writer in
                for try await chunk in stream { try await writer.write(ByteBuffer(bytes: chunk)) }
                try await writer.finish(nil)
            })
        default:
            return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: response.bodyData ?? Data())))
        }
    }
}

/// The open MCP sessions: each an MCP server on its own transport, found by the `Mcp-Session-Id` header. An
/// initialize request without one opens a session; at most `limit` stay open (the oldest is closed first).
actor MCPSessions {
    let state: ServiceState
    let configuration: ServerConfiguration
    static let limit = 64
    private var open: [String: (server: Server, transport: StatefulHTTPServerTransport)] = [:]
    private var order: [String] = []

    init(state: ServiceState, configuration: ServerConfiguration) {
        self.state = state
        self.configuration = configuration
    }

    func handle(_ request: MCP.HTTPRequest) async -> MCP.HTTPResponse {
        if let id = request.header(HTTPHeaderName.sessionID) {
            guard let session = open[id] else {
                return .error(statusCode: 404, .invalidRequest("Not Found: no session \(id.prefix(100)); initialize a new one"))
            }
            let response = await session.transport.handleRequest(request)
            if request.method.uppercased() == "DELETE" { await close(id) }
            return response
        }
        // No session yet: the transport accepts only an initialize request here.
        let transport = StatefulHTTPServerTransport()
        let server = await RAGMCP.makeServer(state: state, configuration: configuration)
        do {
            try await server.start(transport: transport)
        } catch {
            return .error(statusCode: 500, .internalError("the MCP server did not start: \(error)"))
        }
        let response = await transport.handleRequest(request)
        if let id = response.headers.first(where: { $0.key.lowercased() == HTTPHeaderName.sessionID.lowercased() })?.value,
           (200..<300).contains(response.statusCode) {
            open[id] = (server, transport)
            order.append(id)
            if order.count > Self.limit { await close(order[0]) }
        } else {
            await server.stop()
        }
        return response
    }

    private func close(_ id: String) async {
        guard let session = open.removeValue(forKey: id) else { return }
        order.removeAll { $0 == id }
        await session.server.stop()
    }
}
