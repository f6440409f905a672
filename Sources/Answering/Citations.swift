/// Citation markers in generated text: `[1]`, `[2, 3]`, `[1][4]`. Numbers that match no context block are removed
/// (and counted), so an answer never points at a source that was not given.
public struct CitationCheck: Sendable, Equatable {
    /// The answer with invalid markers removed.
    public var text: String
    /// Valid context numbers cited, in order of first use.
    public var cited: [Int]
    /// How many cited numbers matched no context block.
    public var invalid: Int
}

public enum Citations {
    /// Checks every `[…]` whose content is numbers and commas against `1...contextCount`.
    public static func check(_ text: String, contextCount: Int) -> CitationCheck {
        var out = ""
        var cited: [Int] = []
        var invalid = 0
        var i = text.startIndex
        while i < text.endIndex {
            if text[i] == "[", let close = text[i...].firstIndex(of: "]"),
               let numbers = parseNumbers(text[text.index(after: i)..<close]) {
                let valid = numbers.filter { (1...max(contextCount, 1)).contains($0) && contextCount > 0 }
                invalid += numbers.count - valid.count
                if valid.isEmpty {
                    // Drop the marker and the space before it: "text [9]." → "text."
                    while out.last == " " { out.removeLast() }
                } else {
                    out += "[" + valid.map(String.init).joined(separator: ", ") + "]"
                    for n in valid where !cited.contains(n) { cited.append(n) }
                }
                i = text.index(after: close)
                continue
            }
            out.append(text[i])
            i = text.index(after: i)
        }
        return CitationCheck(text: out, cited: cited, invalid: invalid)
    }

    /// "1", "1, 2", "1,2" → numbers; anything else (a link label, a checkbox) → nil, left as text.
    static func parseNumbers(_ s: Substring) -> [Int]? {
        let parts = s.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: " ") }
        guard !parts.isEmpty, parts.count <= 16 else { return nil }
        var out: [Int] = []
        for p in parts {
            guard !p.isEmpty, p.count <= 4, p.allSatisfy(\.isASCII), let n = Int(p) else { return nil }
            out.append(n)
        }
        return out
    }
}

/// Filters a stream of text deltas so invalid citation markers never reach the terminal: text from a `[` is held
/// back until the marker is complete (or proves not to be one), then released cleaned.
public struct CitationStreamFilter: Sendable {
    let contextCount: Int
    private var pending = ""
    /// Spaces not yet released: if a marker follows and is removed, they go with it (as in `Citations.check`).
    private var spaces = ""

    public init(contextCount: Int) { self.contextCount = contextCount }

    public mutating func feed(_ delta: String) -> String {
        var out = ""
        for ch in delta {
            if pending.isEmpty {
                if ch == " " {
                    spaces.append(ch)
                } else if ch == "[" {
                    pending = spaces + "["
                    spaces = ""
                } else {
                    out += spaces
                    out.append(ch)
                    spaces = ""
                }
                continue
            }
            pending.append(ch)
            if ch == "]" {
                out += Citations.check(pending, contextCount: contextCount).text
                pending = ""
            } else if !(ch.isNumber || ch == "," || ch == " ") || pending.count > 40 {
                out += pending
                pending = ""
            }
        }
        return out
    }

    public mutating func finish() -> String {
        defer { pending = ""; spaces = "" }
        return spaces + pending
    }
}

extension Substring {
    func trimmingCharacters(in set: Character) -> String {
        var s = self
        while s.first == set { s.removeFirst() }
        while s.last == set { s.removeLast() }
        return String(s)
    }
}
