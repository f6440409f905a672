/// One cheap pass over a block's bytes that finds where a redaction pattern could match, so the regex runs on those windows only.

/// Every pattern of `Redactor` needs one of these triggers; the regular expression (much slower than this scan)
/// then runs only on a window around each, widened to whitespace so matches see the same context as in the block:
/// - an `@` between a name character and a letter or digit (an email; `@decorator` does not count);
/// - a run of digits with separators (` .-()+:/` and hex letters) holding six or more digits (card, phone, IBAN
///   check digits and account, IPv4, IPv6);
/// - a run of token characters (`A-Za-z0-9+/_=-`) of 15 or more with a digit and two capitals
///   (cloud keys, GitHub/Slack tokens, bearer tokens, high-entropy strings);
/// - five dashes in a row (a PEM private-key block): the whole block is the window.
enum RedactionPrefilter {
    /// What set a window off, so the redactor can run only the patterns that trigger could belong to.
    struct Triggers: OptionSet, Hashable {
        let rawValue: UInt8
        static let at = Triggers(rawValue: 1)
        static let digits = Triggers(rawValue: 2)
        static let token = Triggers(rawValue: 4)
        /// A PEM block: every pattern, over the whole block.
        static let dashes = Triggers(rawValue: 8)
        static let all: Triggers = [.at, .digits, .token, .dashes]
    }

    struct Window: Equatable {
        var range: Range<Int>
        var triggers: Triggers
    }

    /// Context kept on each side of a trigger: the IBAN's country code and the "Bearer " before a token sit
    /// before the run that triggers; an email's local part (up to 64 bytes) before its `@`.
    static let before = 72
    static let after = 40
    /// How far past the context a window may grow to reach whitespace.
    static let snap = 64

    static func mayContainPersonalData(_ text: String) -> Bool { !candidateWindows(text).isEmpty }

    /// Byte ranges of `text` (merged, in order) that may hold personal data, with their triggers; empty when none can.
    static func candidateWindows(_ text: String) -> [Window] {
        var utf8 = text.utf8
        if let windows = utf8.withContiguousStorageIfAvailable({ windows(in: $0) }) { return windows }
        var copy = text
        copy.makeContiguousUTF8()
        utf8 = copy.utf8
        return utf8.withContiguousStorageIfAvailable { windows(in: $0) } ?? [Window(range: 0..<utf8.count, triggers: .all)]
    }

    static func windows(in b: UnsafeBufferPointer<UInt8>) -> [Window] {
        var triggers: [Window] = []
        var digitsInRun = 0, digitRunStart = 0
        var tokenStart = 0, tokenDigits = 0, tokenUpper = 0, tokenTriggered = false
        var dashes = 0
        var i = 0
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "@"), i > 0, isNameByte(b[i - 1]), i + 1 < b.count, isAlnum(b[i + 1]) {
                triggers.append(Window(range: i..<(i + 1), triggers: .at))
            }
            let digit = c >= 48 && c <= 57
            if digit {
                if digitsInRun == 0 { digitRunStart = i }
                digitsInRun += 1
                if digitsInRun == 6 {
                    triggers.append(Window(range: digitRunStart..<(i + 1), triggers: .digits))
                } else if digitsInRun > 6, let k = triggers.lastIndex(where: { $0.triggers == .digits }) {
                    triggers[k].range = digitRunStart..<(i + 1)
                }
            } else if !isNumberSeparator(c) {
                digitsInRun = 0
            }
            if isTokenByte(c) {
                if i == 0 || !isTokenByte(b[i - 1]) { tokenStart = i; tokenDigits = 0; tokenUpper = 0; tokenTriggered = false }
                if digit { tokenDigits += 1 } else if c >= 65 && c <= 90 { tokenUpper += 1 }
                if i - tokenStart + 1 >= 15 && tokenDigits >= 1 && tokenUpper >= 2 {
                    if tokenTriggered, let k = triggers.lastIndex(where: { $0.triggers == .token }) {
                        triggers[k].range = tokenStart..<(i + 1)
                    } else {
                        triggers.append(Window(range: tokenStart..<(i + 1), triggers: .token))
                        tokenTriggered = true
                    }
                }
            }
            dashes = c == UInt8(ascii: "-") ? dashes + 1 : 0
            if dashes >= 5 { return [Window(range: 0..<b.count, triggers: .all)] }
            i += 1
        }
        guard !triggers.isEmpty else { return [] }
        // Triggers interleave (a digit run inside a token): sort before widening and merging.
        triggers.sort { $0.range.lowerBound < $1.range.lowerBound }
        var merged: [Window] = []
        for t in triggers {
            let w = widen(t.range, in: b)
            if let last = merged.last, w.lowerBound <= last.range.upperBound {
                merged[merged.count - 1].range = last.range.lowerBound..<max(last.range.upperBound, w.upperBound)
                merged[merged.count - 1].triggers.formUnion(t.triggers)
            } else {
                merged.append(Window(range: w, triggers: t.triggers))
            }
        }
        return merged
    }

    /// The trigger plus context, grown to whitespace (within `snap` bytes) or else to a character boundary.
    private static func widen(_ t: Range<Int>, in b: UnsafeBufferPointer<UInt8>) -> Range<Int> {
        var start = max(0, t.lowerBound - before)
        let startLimit = max(0, start - snap)
        while start > startLimit && !isSpace(b[start - 1]) { start -= 1 }
        while start > 0 && start < b.count && b[start] & 0xC0 == 0x80 { start -= 1 }
        var end = min(b.count, t.upperBound + after)
        let endLimit = min(b.count, end + snap)
        while end < endLimit && !isSpace(b[end]) { end += 1 }
        while end < b.count && b[end] & 0xC0 == 0x80 { end += 1 }
        return start..<end
    }

    private static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x0A || c == 0x09 || c == 0x0D }

    private static func isAlnum(_ c: UInt8) -> Bool { (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) }

    private static func isNameByte(_ c: UInt8) -> Bool {
        isAlnum(c) || c == UInt8(ascii: ".") || c == UInt8(ascii: "_") || c == UInt8(ascii: "%") || c == UInt8(ascii: "+") || c == UInt8(ascii: "-")
    }

    private static func isNumberSeparator(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: " "), UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "("), UInt8(ascii: ")"),
             UInt8(ascii: "+"), UInt8(ascii: ":"), UInt8(ascii: "/"): return true
        case 65...70, 97...102: return true  // hex letters (IPv6) and IBAN letters A–F; other letters end the run
        default: return false
        }
    }

    private static func isTokenByte(_ c: UInt8) -> Bool {
        isAlnum(c) || c == UInt8(ascii: "+") || c == UInt8(ascii: "/") || c == UInt8(ascii: "_") || c == UInt8(ascii: "=") || c == UInt8(ascii: "-")
    }
}
