/// Holds back generated text that could be the start of a stop sequence, so stop sequences are matched across
/// token boundaries and never emitted.

struct StopSequenceMatcher {
    let stops: [String]
    private var held = ""

    init(stops: [String]) { self.stops = stops }

    /// Adds a text delta; returns the text safe to emit and whether a stop sequence was found (text after it dropped).
    mutating func append(_ delta: String) -> (emit: String, stopped: Bool) {
        guard !stops.isEmpty else { return (delta, false) }
        held += delta
        let chars = Array(held)
        // Earliest full match of any stop sequence.
        var earliest: Int? = nil
        for s in stops {
            let sc = Array(s)
            guard sc.count <= chars.count else { continue }
            var i = 0
            while i + sc.count <= chars.count {
                if chars[i] == sc[0] && Array(chars[i..<i + sc.count]) == sc { earliest = min(earliest ?? i, i); break }
                i += 1
            }
        }
        if let e = earliest {
            held = ""
            return (String(chars[0..<e]), true)
        }
        // Keep the longest suffix that is a prefix of some stop sequence.
        var keep = 0
        for s in stops {
            let sc = Array(s)
            var k = min(sc.count - 1, chars.count)
            while k > keep {
                if Array(chars[(chars.count - k)...]) == Array(sc[0..<k]) { keep = k; break }
                k -= 1
            }
        }
        let emit = String(chars[0..<(chars.count - keep)])
        held = String(chars[(chars.count - keep)...])
        return (emit, false)
    }

    /// The held-back text at the end of generation.
    mutating func flush() -> String { defer { held = "" }; return held }
}
