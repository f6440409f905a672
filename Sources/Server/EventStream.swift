/// Server-Sent Events responses: the one writer behind /v1/ask's stream and the OpenAI routes' streams.
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

enum EventStream {
    static let headers: HTTPFields = [.contentType: "text/event-stream", .cacheControl: "no-cache",
                                      HTTPField.Name("X-Accel-Buffering")!: "no"]

    /// One event: an optional name and one data line (JSON or a literal such as `[DONE]`).
    static func event(_ data: String, name: String? = nil) -> ByteBuffer {
        var s = ""
        if let name { s += "event: \(name)\n" }
        s += "data: \(data)\n\n"
        return ByteBuffer(string: s)
    }

    /// One event whose data is `value` as JSON (the API's snake-case keys).
    static func event(json value: some Encodable, name: String? = nil) -> ByteBuffer {
        event(String(decoding: (try? Reply.encoder.encode(value)) ?? Data(), as: UTF8.self), name: name)
    }

    /// A streamed response. `produce` runs under the request deadline and sends events as they are ready; if it
    /// throws (the deadline included) `failure` turns the error into the last event, since the status line has
    /// gone. `end` closes the stream either way. A client that goes away cancels `produce`.
    static func response(timeout: Duration, end: ByteBuffer? = nil,
                         failure: @escaping @Sendable (APIError) -> ByteBuffer,
                         produce: @escaping @Sendable (_ send: @escaping @Sendable (ByteBuffer) -> Void) async throws -> Void) -> Response {
        // The stream gets what is left of the request's deadline (the writer below runs outside the request's task).
        let timeout = RequestDeadline.remaining(timeout)
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            // The producer runs apart from the writer, so a slow client never holds up generation (which may
            // hold a generator slot) and a cancelled write cancels the producer.
            let (events, continuation) = AsyncStream<ByteBuffer>.makeStream()
            let producer = Task {
                do {
                    try await withTimeout(timeout) { try await produce { _ = continuation.yield($0) } }
                } catch {
                    continuation.yield(failure(APIError.from(error)))
                }
                if let end { continuation.yield(end) }
                continuation.finish()
            }
            defer { producer.cancel() }
            for await event in events { try await writer.write(event) }
            try await writer.finish(nil)
        })
    }
}
