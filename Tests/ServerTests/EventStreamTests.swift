/// The one SSE writer: events in the order sent, an error after the head as the last event, then the closing event.
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import RAGCore
import RemoteGeneration
@testable import Server
import Testing

struct EventStreamTests {
    /// Writes a response body into memory, as the HTTP server would to the socket.
    final class Collector: ResponseBodyWriter, @unchecked Sendable {  // written by one task at a time
        var bytes: [UInt8] = []
        var finished = false
        func write(_ buffer: ByteBuffer) async throws { bytes += buffer.readableBytesView }
        func finish(_ trailingHeaders: HTTPFields?) async throws { finished = true }
    }

    func events(_ response: Response) async throws -> (events: [String], finished: Bool) {
        let collector = Collector()
        try await response.body.write(collector)
        var parser = SSEParser()
        return (parser.feed(collector.bytes), collector.finished)
    }

    struct Piece: Encodable { var text: String }

    @Test func eventsGoOutInOrderAndTheEndFollows() async throws {
        let response = EventStream.response(timeout: .seconds(5), end: EventStream.event("[DONE]"),
                                            failure: { _ in EventStream.event("failed") }) { send in
            send(EventStream.event(json: Piece(text: "a/b")))
            send(EventStream.event(json: Piece(text: "c"), name: "delta"))
        }
        #expect(response.headers[.contentType] == "text/event-stream")
        let (events, finished) = try await events(response)
        #expect(events == [#"{"text":"a/b"}"#, #"{"text":"c"}"#, "[DONE]"])
        #expect(finished)
    }

    @Test func anErrorAfterTheHeadIsTheLastEventBeforeTheEnd() async throws {
        let response = EventStream.response(timeout: .seconds(5), end: EventStream.event("[DONE]"),
                                            failure: { EventStream.event(json: $0.body) }) { send in
            send(EventStream.event("first"))
            throw RAGError(.backendError, "the backend went away")
        }
        let (events, _) = try await events(response)
        #expect(events == ["first", #"{"code":"backend_error","message":"the backend went away"}"#, "[DONE]"])
    }

    @Test func theDeadlineCancelsTheProducerAndIsReportedAsTimeout() async throws {
        // The producer would sleep for an hour: the stream can only end because the deadline cancelled it (no
        // wall-clock bound here: other suites load the cooperative pool, and the proof is the cancellation itself).
        let cancelled = SetOnceFlag()
        let response = EventStream.response(timeout: .milliseconds(100),
                                            failure: { EventStream.event(json: $0.body, name: "error") }) { send in
            send(EventStream.event("started"))
            do { try await Task.sleep(for: .seconds(3600)) } catch { cancelled.set(); throw error }
            send(EventStream.event("never"))
        }
        let (events, _) = try await events(response)
        #expect(events.count == 2)
        #expect(events.first == "started")
        #expect(events.last?.contains(#""code":"timeout""#) == true)
        #expect(cancelled.isSet)
    }
}
