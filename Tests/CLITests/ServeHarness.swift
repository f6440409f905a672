import Foundation
import RemoteGeneration
import Testing

/// A real `rag serve` process on an ephemeral loopback port, and HTTP calls to it.
final class ServerProcess: @unchecked Sendable {
    let process: Process
    let port: Int
    let endpoint: HTTPEndpoint
    let output: OutputCollector
    let apiKey: String?

    /// Collects a pipe's text on a thread of its own.
    final class OutputCollector: @unchecked Sendable {
        private let lock = NSLock()
        private var data = Data()
        init(_ handle: FileHandle) {
            Thread.detachNewThread { [self] in
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    lock.withLock { data.append(chunk) }
                }
            }
        }
        var text: String { lock.withLock { String(decoding: data, as: UTF8.self) } }
    }

    private init(process: Process, port: Int, output: OutputCollector, apiKey: String?) throws {
        self.process = process
        self.port = port
        self.output = output
        self.apiKey = apiKey
        endpoint = try HTTPEndpoint("http://127.0.0.1:\(port)")
    }

    /// Starts `rag serve --port 0 args…`, waits for its address and (unless told not to) for /readyz.
    static func start(_ args: [String], port requestedPort: Int = 0, modelsDir: String? = nil, apiKey: String? = nil,
                      waitReady: Bool = true) async throws -> ServerProcess {
        let p = try CLI.start(["serve", "--port", String(requestedPort)] + args, modelsDir: modelsDir,
                              environment: ["RAG_EXIT_WITH_PARENT": "1"])
        let out = OutputCollector((p.standardOutput as! Pipe).fileHandleForReading)
        let err = OutputCollector((p.standardError as! Pipe).fileHandleForReading)
        let deadline = Date().addingTimeInterval(60)
        var port: Int?
        while port == nil {
            if let line = out.text.split(separator: "\n").first(where: { $0.contains("listening on http://127.0.0.1:") }) {
                port = Int(line.split(separator: ":").last!)
            } else if !p.isRunning || Date() > deadline {
                p.terminate()
                throw ServeTestError("rag serve did not start: \(err.text)")
            } else {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        let server = try ServerProcess(process: p, port: port!, output: out, apiKey: apiKey)
        if waitReady {
            while (try? await server.get("/readyz"))?.status != 200 {
                guard p.isRunning, Date() < deadline else { throw ServeTestError("rag serve never became ready: \(err.text)") }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        return server
    }

    var url: String { "http://127.0.0.1:\(port)" }
    var client: HTTPClient { HTTPClient(connectTimeout: .seconds(5), readTimeout: .seconds(120)) }

    func headers(_ extra: [(String, String)]) -> [(String, String)] {
        var h = [("Content-Type", "application/json")]
        if let apiKey { h.append(("Authorization", "Bearer \(apiKey)")) }
        return h + extra
    }

    func get(_ path: String, headers extra: [(String, String)] = []) async throws -> HTTPResult {
        try await client.fetch("GET", endpoint, path: path, headers: headers(extra))
    }

    func post(_ path: String, json: Any, headers extra: [(String, String)] = []) async throws -> HTTPResult {
        try await post(path, raw: Array(try JSONSerialization.data(withJSONObject: json)), headers: extra)
    }

    func post(_ path: String, raw: [UInt8], headers extra: [(String, String)] = []) async throws -> HTTPResult {
        try await client.fetch("POST", endpoint, path: path, headers: headers(extra), body: raw)
    }

    /// A streamed POST: the status and the `data:` payload of every event.
    func stream(_ path: String, json: Any, onEvent: @escaping @Sendable (String) -> Void = { _ in }) async throws -> (status: Int, contentType: String?, events: [String]) {
        let box = EventBox()
        try await client.stream("POST", endpoint, path: path, headers: headers([]), body: Array(try JSONSerialization.data(withJSONObject: json)),
                                onHead: { status, headers in box.head(status, headers.first { $0.0.lowercased() == "content-type" }?.1) },
                                onBody: { buffer in for e in box.feed(Array(buffer.readableBytesView)) { onEvent(e) } })
        return box.result
    }

    final class EventBox: @unchecked Sendable {
        private let lock = NSLock()
        private var parser = SSEParser()
        private var status = 0
        private var contentType: String?
        private var events: [String] = []
        func head(_ s: Int, _ c: String?) { lock.withLock { status = s; contentType = c } }
        func feed(_ bytes: [UInt8]) -> [String] { lock.withLock { let e = parser.feed(bytes); events += e; return e } }
        var result: (status: Int, contentType: String?, events: [String]) { lock.withLock { (status, contentType, events) } }
    }

    /// SIGTERM, then waits for the exit (at most `timeout` seconds); returns the exit status.
    @discardableResult
    func stop(timeout: Double = 30) -> Int32? {
        if process.isRunning { process.terminate() }
        return waitExit(timeout: timeout)
    }

    func waitExit(timeout: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit(); return nil }
        return process.terminationStatus
    }

    func kill9() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}

struct ServeTestError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

extension HTTPResult {
    var json: [String: Any]? { try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] }
    /// `{"error":{"code","message"}}`'s code, when the body has that shape.
    var errorCode: String? { (json?["error"] as? [String: Any])?["code"] as? String }
    var errorMessage: String? { (json?["error"] as? [String: Any])?["message"] as? String }
}

func jsonObject(_ s: String) -> [String: Any]? {
    try? JSONSerialization.jsonObject(with: Data(s.utf8)) as? [String: Any]
}
