/// Light inline-markup stripping for Markdown text: keeps the words, drops the punctuation that is markup.

enum MarkdownInline {
    /// How far ahead a closing bracket, parenthesis or backtick run is looked for; keeps pathological lines linear.
    static let lookahead = 4096

    /// `**b**` → b, `_e_` → e (not `snake_case`), `` `c` `` → c (content verbatim), `[t](u)` → t, `![a](s)` → a,
    /// `[t][r]` → t, `<http://x>` → http://x, inline HTML tags dropped, `\*` → *. Whitespace runs collapse to one
    /// space. Iterative: nested links are handled with a table of skips, not recursion.
    static func strip(_ s: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(s.count)
        // When the scan reaches a key (a link's closing bracket), it resumes at the value (after "(url)" / "[ref]").
        var resumeAt: [Int: Int] = [:]
        let n = s.count
        var i = 0
        func isAlnum(_ b: UInt8) -> Bool {
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b >= 0x80
        }
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A }
        func append(_ b: UInt8) {
            if isSpace(b) {
                if let last = out.last, last != 0x20 { out.append(0x20) }
            } else {
                out.append(b)
            }
        }
        /// Index of the `close` matching the `open` at `from`, within the lookahead.
        func matching(_ from: Int, _ open: UInt8, _ close: UInt8) -> Int? {
            var depth = 0
            var k = from
            let limit = min(n, from + lookahead)
            while k < limit {
                let b = s[k]
                if b == UInt8(ascii: "\\") { k += 2; continue }
                if b == open { depth += 1 } else if b == close { depth -= 1; if depth == 0 { return k } }
                k += 1
            }
            return nil
        }
        while i < n {
            if let resume = resumeAt[i] { resumeAt[i] = nil; i = resume; continue }
            let b = s[i]
            switch b {
            case UInt8(ascii: "\\"):
                if i + 1 < n, s[i + 1] < 0x80, !isAlnum(s[i + 1]), !isSpace(s[i + 1]) {
                    out.append(s[i + 1]); i += 2
                } else {
                    append(b); i += 1
                }
            case UInt8(ascii: "`"):
                var run = i
                while run < n && s[run] == b { run += 1 }
                let len = run - i
                // Find a closing run of the same length.
                var k = run
                var close: Int?
                let limit = min(n, run + lookahead)
                while k < limit {
                    if s[k] == b {
                        var e = k
                        while e < n && s[e] == b { e += 1 }
                        if e - k == len { close = k; break }
                        k = e
                    } else {
                        k += 1
                    }
                }
                if let close {
                    var cs = run, ce = close
                    if ce - cs >= 2 && s[cs] == 0x20 && s[ce - 1] == 0x20 { cs += 1; ce -= 1 }
                    for c in s[cs..<ce] { append(c) }
                    i = close + len
                } else {
                    for _ in 0..<len { out.append(b) }
                    i = run
                }
            case UInt8(ascii: "!") where i + 1 < n && s[i + 1] == UInt8(ascii: "["):
                if linkSkip(at: i + 1) { i += 2 } else { append(b); i += 1 }
            case UInt8(ascii: "["):
                if linkSkip(at: i) { i += 1 } else { append(b); i += 1 }
            case UInt8(ascii: "<"):
                if let close = matching(i, UInt8(ascii: "<"), UInt8(ascii: ">")), close - i < 256 {
                    let inner = s[(i + 1)..<close]
                    let isTag = inner.first.map { isAlnum($0) && $0 < 0x80 || $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "!") } ?? false
                    let isAutolink = inner.contains(UInt8(ascii: ":")) && !inner.contains(0x20) || inner.contains(UInt8(ascii: "@")) && !inner.contains(0x20)
                    if isAutolink {
                        for c in inner { append(c) }
                        i = close + 1
                    } else if isTag {
                        i = close + 1
                    } else {
                        append(b); i += 1
                    }
                } else {
                    append(b); i += 1
                }
            case UInt8(ascii: "*"), UInt8(ascii: "~"):
                var run = i
                while run < n && s[run] == b { run += 1 }
                let before: UInt8 = i > 0 ? s[i - 1] : 0x20
                let after: UInt8 = run < n ? s[run] : 0x20
                // A lone "*" between spaces is an asterisk; a single "~" is a tilde.
                if (isSpace(before) && isSpace(after)) || (b == UInt8(ascii: "~") && run - i == 1) {
                    for _ in i..<run { out.append(b) }
                }
                i = run
            case UInt8(ascii: "_"):
                var run = i
                while run < n && s[run] == b { run += 1 }
                let before: UInt8 = i > 0 ? s[i - 1] : 0x20
                let after: UInt8 = run < n ? s[run] : 0x20
                // Intraword underscores (snake_case) are text.
                if isAlnum(before) && isAlnum(after) { for _ in i..<run { out.append(b) } }
                i = run
            default:
                append(b)
                i += 1
            }
        }
        while out.last == 0x20 { out.removeLast() }
        var start = 0
        while start < out.count && out[start] == 0x20 { start += 1 }
        return String(decoding: out[start...], as: UTF8.self)

        /// For a "[" at `open` that starts `[text](url)` or `[text][ref]`: registers the skip of "](url)" and
        /// returns true; the text between the brackets is then scanned as usual.
        func linkSkip(at open: Int) -> Bool {
            guard let close = matching(open, UInt8(ascii: "["), UInt8(ascii: "]")), close + 1 < n else { return false }
            let next = s[close + 1]
            if next == UInt8(ascii: "(") {
                guard let end = matching(close + 1, UInt8(ascii: "("), UInt8(ascii: ")")) else { return false }
                resumeAt[close] = end + 1
                return true
            }
            if next == UInt8(ascii: "[") {
                guard let end = matching(close + 1, UInt8(ascii: "["), UInt8(ascii: "]")) else { return false }
                resumeAt[close] = end + 1
                return true
            }
            return false
        }
    }
}
