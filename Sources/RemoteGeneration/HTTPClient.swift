/// A small HTTP/1.1 client over SwiftNIO: one connection per request, connect and read timeouts, the response
/// body delivered as it arrives (for Server-Sent Events). Enough for OpenAI-compatible servers on a trusted network;
/// plain `http://` only.
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import RAGCore

/// `http://host:port[/base]`, parsed once.
public struct HTTPEndpoint: Sendable, Hashable, CustomStringConvertible {
    public let host: String
    public let port: Int
    /// Path prefix without a trailing slash ("" or e.g. "/proxy").
    public let basePath: String

    public init(_ url: String) throws {
        guard let u = URLComponents(string: url), u.scheme == "http", let host = u.host, !host.isEmpty else {
            throw RAGError(.invalidURL, "\(url): expected http://HOST[:PORT][/PATH] (https is not supported)")
        }
        self.host = host
        port = u.port ?? 80
        var base = u.path
        while base.hasSuffix("/") { base.removeLast() }
        // OpenAI base URLs often end in /v1; the routes below add it themselves.
        if base.hasSuffix("/v1") { base.removeLast(3) }
        basePath = base
    }

    public var description: String { "http://\(host):\(port)\(basePath)" }
}

public struct HTTPResult: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]
    public func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
    public var text: String { String(decoding: body, as: UTF8.self) }
}

public struct HTTPClient: Sendable {
    public var connectTimeout: Duration
    /// Longest silence while waiting for the response (or its next bytes).
    public var readTimeout: Duration

    public init(connectTimeout: Duration = .seconds(2), readTimeout: Duration = .seconds(60)) {
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
    }

    /// Sends one request; `onHead` gets the status and headers, `onBody` each piece of the body as it arrives.
    public func stream(_ method: String, _ endpoint: HTTPEndpoint, path: String, headers: [(String, String)] = [],
                       body: [UInt8]? = nil,
                       onHead: @Sendable (Int, [(String, String)]) async throws -> Void,
                       onBody: @Sendable (ByteBuffer) async throws -> Void) async throws {
        let channel: NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>
        let readTimeout = TimeAmount.nanoseconds(Int64(readTimeout.components.seconds) * 1_000_000_000
                                                 + Int64(readTimeout.components.attoseconds / 1_000_000_000))
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.nanoseconds(Int64(connectTimeout.components.seconds) * 1_000_000_000
                                             + Int64(connectTimeout.components.attoseconds / 1_000_000_000)))
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .connect(host: endpoint.host, port: endpoint.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: readTimeout))
                        try channel.pipeline.syncOperations.addHandler(ReadTimeoutHandler())
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw RAGError(.connectionFailed, "\(endpoint): cannot connect: \(error)")
        }
        var head = HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: method), uri: endpoint.basePath + path)
        if !headers.contains(where: { $0.0.lowercased() == "host" }) {
            head.headers.add(name: "Host", value: "\(endpoint.host):\(endpoint.port)")
        }
        head.headers.add(name: "Connection", value: "close")
        head.headers.add(name: "User-Agent", value: "rag")
        for (k, v) in headers { head.headers.add(name: k, value: v) }
        if let body { head.headers.add(name: "Content-Length", value: String(body.count)) }
        let requestHead = head
        var complete = false
        let lastWriteError = ErrorBox()
        do {
            try await channel.executeThenClose { inbound, outbound in
                // A server may answer before it has read the whole body (413 to an oversized upload) and close the
                // connection; the write then fails, but the response it sent is still there to read.
                var writeError: (any Error)?
                do {
                    try await outbound.write(.head(requestHead))
                    if let body { try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body)))) }
                    try await outbound.write(.end(nil))
                } catch {
                    writeError = error
                }
                defer { if !complete, let writeError { lastWriteError.set(writeError) } }
                for try await part in inbound {
                    switch part {
                    case .head(let h):
                        try await onHead(Int(h.status.code), h.headers.map { ($0.name, $0.value) })
                    case .body(let buffer):
                        try await onBody(buffer)
                    case .end:
                        complete = true
                        return
                    }
                }
            }
        } catch let e as RAGError {
            throw e
        } catch is ReadTimeout {
            throw RAGError(.backendTimeout, "\(endpoint)\(path): no response for \(self.readTimeout)")
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            if Task.isCancelled { throw CancellationError() }
            throw RAGError(.backendError, "\(endpoint)\(path): \(error)")
        }
        if !complete {
            if Task.isCancelled { throw CancellationError() }
            if let e = lastWriteError.value {
                throw RAGError(.backendError, "\(endpoint)\(path): sending the request failed: \(e)")
            }
            throw RAGError(.backendError, "\(endpoint)\(path): the connection closed before the response ended")
        }
    }

    /// Sends one request and collects the whole response (bodies above `limit` bytes are refused).
    public func fetch(_ method: String, _ endpoint: HTTPEndpoint, path: String, headers: [(String, String)] = [],
                      body: [UInt8]? = nil, limit: Int = 64 << 20) async throws -> HTTPResult {
        let box = ResultBox()
        try await stream(method, endpoint, path: path, headers: headers, body: body,
                         onHead: { status, headers in box.set(status: status, headers: headers) },
                         onBody: { buffer in
                             guard box.append(buffer, limit: limit) else {
                                 throw RAGError(.responseTooLarge, "\(endpoint)\(path): response larger than \(limit) bytes")
                             }
                         })
        return box.result
    }
}

/// Collects a response across the client's callbacks.
private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value = HTTPResult(status: 0, headers: [], body: [])
    func set(status: Int, headers: [(String, String)]) { lock.withLock { value.status = status; value.headers = headers } }
    func append(_ buffer: ByteBuffer, limit: Int) -> Bool {
        lock.withLock {
            value.body.append(contentsOf: buffer.readableBytesView)
            return value.body.count <= limit
        }
    }
    var result: HTTPResult { lock.withLock { value } }
}

struct ReadTimeout: Error {}

final class ErrorBox: @unchecked Sendable {
    private let lock = NSLock()
    private var error: (any Error)?
    func set(_ e: any Error) { lock.withLock { error = e } }
    var value: (any Error)? { lock.withLock { error } }
}

/// Turns the idle handler's read event into an error on the channel, which ends the response stream.
final class ReadTimeoutHandler: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = NIOAny
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let e = event as? IdleStateHandler.IdleStateEvent, e == .read {
            context.fireErrorCaught(ReadTimeout())
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }
}

/// Splits a Server-Sent Events byte stream into the `data:` payloads of its events.
///
/// Bounded: a backend that never ends a line or an event cannot make it buffer without limit. Past
/// `maxEventBytes` the parser drops what it holds, reports `overflowed`, and returns nothing more.
public struct SSEParser: Sendable {
    private var pending: [UInt8] = []
    private var data: [String] = []
    private var dataBytes = 0
    /// Bytes of `pending` already searched for a line end (a long line arriving in pieces is scanned once).
    private var scanned = 0
    /// Largest event (its data lines plus an unfinished line) accepted.
    public let maxEventBytes: Int
    /// True once an event outgrew `maxEventBytes`; the stream is then unusable.
    public private(set) var overflowed = false

    public init(maxEventBytes: Int = 4 << 20) { self.maxEventBytes = maxEventBytes }

    /// Feeds bytes; returns the data of every event completed by them (multi-line data joined with "\n").
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [String] {
        guard !overflowed else { return [] }
        pending.append(contentsOf: bytes)
        var events: [String] = []
        var start = 0
        defer {
            if !overflowed {
                pending.removeFirst(start)
                scanned = pending.count
                if pending.count + dataBytes > maxEventBytes {
                    overflowed = true
                    pending = []
                    data = []
                    dataBytes = 0
                }
            }
        }
        while let nl = pending[max(start, scanned)...].firstIndex(of: UInt8(ascii: "\n")) {
            scanned = 0
            var line = pending[start..<nl]
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            start = nl + 1
            if line.isEmpty {
                if !data.isEmpty { events.append(data.joined(separator: "\n")); data.removeAll(); dataBytes = 0 }
            } else if line.starts(with: Array("data:".utf8)) {
                var value = line.dropFirst(5)
                if value.first == UInt8(ascii: " ") { value = value.dropFirst() }
                data.append(String(decoding: value, as: UTF8.self))
                dataBytes += value.count + 1
            }
            // Comments (":…") and other fields (event:, id:, retry:) are not used by OpenAI streams.
        }
        return events
    }
}
