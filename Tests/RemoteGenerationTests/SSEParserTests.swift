/// The Server-Sent Events reader of the remote backends: events are found however the bytes are split.
import RemoteGeneration
import Testing

struct SSEParserTests {
    static let stream = Array("""
        : a comment line, as keep-alives send
        data: {"choices":[{"text":"Hel"}]}

        event: message
        id: 7
        data: {"choices":[{"text":"lo"}]}\r
        \r
        data: first line
        data:second line

        retry: 100

        data: [DONE]


        """.utf8)
    static let expected = [#"{"choices":[{"text":"Hel"}]}"#, #"{"choices":[{"text":"lo"}]}"#, "first line\nsecond line", "[DONE]"]

    @Test func wholeStreamGivesEveryEventsData() {
        var parser = SSEParser()
        #expect(parser.feed(Self.stream) == Self.expected)
    }

    @Test func splittingAnywhereGivesTheSameEvents() {
        for cut in 0...Self.stream.count {
            var parser = SSEParser()
            let events = parser.feed(Self.stream[..<cut]) + parser.feed(Self.stream[cut...])
            #expect(events == Self.expected, "split at byte \(cut)")
        }
    }

    @Test func byteByByteGivesTheSameEvents() {
        var parser = SSEParser()
        var events: [String] = []
        for byte in Self.stream { events += parser.feed([byte]) }
        #expect(events == Self.expected)
    }

    @Test func anEventIsOnlyGivenOnceItsBlankLineArrives() {
        var parser = SSEParser()
        #expect(parser.feed(Array("data: partial\n".utf8)).isEmpty)
        #expect(parser.feed(Array("\n".utf8)) == ["partial"])
    }

    @Test func commentsAndFieldsWithoutDataMakeNoEvent() {
        var parser = SSEParser()
        #expect(parser.feed(Array(": ping\n\nevent: x\nid: 1\n\n".utf8)).isEmpty)
    }

    /// A backend that never ends its line (or its event) is cut off at the limit instead of filling memory.
    @Test func aLineOrEventPastTheLimitOverflowsAndStopsTheStream() {
        var parser = SSEParser(maxEventBytes: 1000)
        #expect(parser.feed(Array("data: ok\n\n".utf8)) == ["ok"])
        for _ in 0..<100 { _ = parser.feed([UInt8](repeating: UInt8(ascii: "x"), count: 100)) }
        #expect(parser.overflowed)
        #expect(parser.feed(Array("\n\ndata: late\n\n".utf8)).isEmpty)

        var lines = SSEParser(maxEventBytes: 1000)
        for _ in 0..<100 { _ = lines.feed(Array("data: 0123456789\n".utf8)) }
        #expect(lines.overflowed)

        var fine = SSEParser(maxEventBytes: 1000)
        var events: [String] = []
        for _ in 0..<1000 { events += fine.feed(Array("data: 0123456789\n\n".utf8)) }
        #expect(!fine.overflowed && events.count == 1000)
    }
}
