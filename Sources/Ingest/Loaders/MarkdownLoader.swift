/// Loads Markdown with a small line-based block parser of its own (CommonMark's common subset, GFM tables).
import RAGCore

/// Markdown → one `Document`.
///
/// Blocks: ATX (`#`…`######`) and setext (`===`/`---`) headings; paragraphs (lines joined with spaces); fenced
/// code (``` and ~~~, info string ignored, unclosed fences run to the end) and indented code, both verbatim;
/// list items (`-`, `*`, `+`, `1.`, `1)`), one block each, nested items flattened; block quotes as paragraphs;
/// GFM pipe tables as one row per line ("cell | cell"), the delimiter row dropped. YAML front matter is skipped and
/// its `title:` is the document title (else the first h1). Inline markup is lightly stripped: emphasis markers,
/// code-span backticks, `[text](url)` → text, `![alt](src)` → alt, autolinks, inline HTML tags, backslash escapes.
/// Thematic breaks and link reference definitions are dropped.
/// Ranges are Unicode-scalar offsets into the source: a block's range spans the source lines its text came from
/// (from the first content character, after markers such as `# ` or `- `, to the end of its last line's content).
/// One pass over the lines, no recursion: linear in the input.
public struct MarkdownLoader: DocumentLoader {
    public init() {}

    public func load(path: String, bytes: [UInt8]) throws -> [Document] {
        [loadDocument(path: path, text: UTF8Repair.string(from: bytes))]
    }

    public func loadDocument(path: String, text: String) -> Document {
        var text = text
        let (blocks, frontTitle) = text.withUTF8 { bytes in
            var parser = MarkdownParser(bytes)
            parser.parse()
            return (parser.blocks, parser.frontMatterTitle)
        }
        let title = frontTitle ?? blocks.first { $0.kind == .heading(level: 1) }?.text
        return Document(path: path, title: title, format: .markdown, blocks: blocks)
    }
}

struct MarkdownParser {
    struct Line {
        var start: Int  // byte offset of the first byte
        var end: Int  // byte offset after the last byte, without "\n" and a trailing "\r"
        var scalarStart: Int
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private var lines: [Line] = []
    private(set) var blocks: [Block] = []
    private(set) var frontMatterTitle: String?

    // The open paragraph (or list item / quote paragraph): content segments and its source range.
    private var paraKind: Block.Kind?
    private var paraIsQuote = false
    private var paraSegments: [(Int, Int)] = []
    private var paraStart = 0
    private var paraEnd = 0
    private var inList = false
    private var previousBlank = false

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
        var start = 0
        var scalar = 0
        var lineScalar = 0
        var i = 0
        while i <= bytes.count {
            if i == bytes.count || bytes[i] == 0x0A {
                var end = i
                if end > start && bytes[end - 1] == 0x0D { end -= 1 }
                if i < bytes.count || start < i { lines.append(Line(start: start, end: end, scalarStart: lineScalar)) }
                scalar += 1  // the newline
                lineScalar = scalar
                start = i + 1
            } else if bytes[i] & 0xC0 != 0x80 {
                scalar += 1
            }
            i += 1
        }
    }

    // MARK: Lines

    private func scalarOffset(_ line: Line, _ byte: Int) -> Int {
        var n = line.scalarStart
        var i = line.start
        while i < byte { if bytes[i] & 0xC0 != 0x80 { n += 1 }; i += 1 }
        return n
    }

    /// Columns of leading indentation (tabs to the next multiple of 4) and the first non-space byte.
    private func indentation(_ line: Line) -> (columns: Int, first: Int) {
        var col = 0
        var i = line.start
        while i < line.end {
            if bytes[i] == 0x20 { col += 1 } else if bytes[i] == 0x09 { col += 4 - col % 4 } else { break }
            i += 1
        }
        return (col, i)
    }

    /// The byte after skipping up to `columns` columns of indentation.
    private func skipIndent(_ line: Line, columns: Int) -> Int {
        var col = 0
        var i = line.start
        while i < line.end && col < columns {
            if bytes[i] == 0x20 { col += 1 } else if bytes[i] == 0x09 { col += 4 - col % 4 } else { break }
            i += 1
        }
        return i
    }

    private func isBlank(_ line: Line) -> Bool { indentation(line).first == line.end }

    private func trimEnd(_ start: Int, _ end: Int) -> Int {
        var e = end
        while e > start && (bytes[e - 1] == 0x20 || bytes[e - 1] == 0x09) { e -= 1 }
        return e
    }

    private func string(_ start: Int, _ end: Int) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
    }

    // MARK: Parse

    mutating func parse() {
        var i = skipFrontMatter()
        while i < lines.count {
            i = parseLine(i)
        }
        closeParagraph()
    }

    private mutating func skipFrontMatter() -> Int {
        guard let first = lines.first, string(first.start, trimEnd(first.start, first.end)) == "---" else { return 0 }
        for k in 1..<lines.count {
            let l = lines[k]
            let s = string(l.start, trimEnd(l.start, l.end))
            if s == "---" || s == "..." {
                for m in 1..<k {
                    let t = string(lines[m].start, lines[m].end)
                    if t.hasPrefix("title:") {
                        var v = t.dropFirst(6).trimmingSpaces()
                        if v.count >= 2, let f = v.first, (f == "\"" || f == "'"), v.last == f { v = String(v.dropFirst().dropLast()) }
                        if !v.isEmpty { frontMatterTitle = v }
                    }
                }
                return k + 1
            }
        }
        return 0
    }

    /// Handles the line at `i` (and any lines a multi-line block takes); returns the next line to look at.
    private mutating func parseLine(_ i: Int) -> Int {
        let line = lines[i]
        let (indent, first) = indentation(line)
        if first == line.end {
            closeParagraph()
            previousBlank = true
            return i + 1
        }
        defer { previousBlank = false }
        let c = bytes[first]

        // Fenced code (inside lists the fence may be indented further).
        if (indent <= 3 || inList), c == UInt8(ascii: "`") || c == UInt8(ascii: "~") {
            var n = first
            while n < line.end && bytes[n] == c { n += 1 }
            let fenceLength = n - first
            if fenceLength >= 3 && !(c == UInt8(ascii: "`") && bytes[n..<line.end].contains(UInt8(ascii: "`"))) {
                closeParagraph()
                if indent < 2 { inList = false }
                return fencedCode(from: i + 1, fence: c, length: fenceLength, indent: indent)
            }
        }
        // Indented code: not inside a paragraph, not continuing a list.
        if indent >= 4 && paraKind == nil && !inList {
            closeParagraph()
            return indentedCode(from: i)
        }
        if indent <= 3 {
            if c == UInt8(ascii: "#"), atxHeading(line, first) { return i + 1 }
            if let level = setextLevel(line, first), paraKind == .paragraph && !paraIsQuote {
                paraKind = .heading(level: level)
                closeParagraph()
                return i + 1
            }
            if isThematicBreak(line, first) {
                closeParagraph()
                inList = false
                return i + 1
            }
            if i + 1 < lines.count && bytes[first..<line.end].contains(UInt8(ascii: "|")) && isDelimiterRow(lines[i + 1]) {
                closeParagraph()
                inList = false
                return table(from: i)
            }
            if c == UInt8(ascii: ">") {
                var s = first + 1
                if s < line.end && bytes[s] == 0x20 { s += 1 }
                if trimEnd(s, line.end) == s { closeParagraph(); return i + 1 }
                if paraKind == nil || !paraIsQuote { closeParagraph() }
                if indent < 2 { inList = false }
                addToParagraph(line, s, kind: .paragraph, quote: true)
                return i + 1
            }
        }
        if let contentStart = listItemContent(line, first) {
            closeParagraph()
            inList = true
            if contentStart < line.end { addToParagraph(line, contentStart, kind: .listItem, quote: false) }
            return i + 1
        }
        if paraKind == nil && c == UInt8(ascii: "[") && isReferenceDefinition(line, first) { return i + 1 }
        if paraKind == nil {
            // After a list, an indented line continues the item (a new paragraph of it); otherwise the list is over.
            let continuesList = inList && (indent >= 2 || !previousBlank)
            if !continuesList { inList = false }
            addToParagraph(line, first, kind: continuesList ? .listItem : .paragraph, quote: false)
        } else {
            addToParagraph(line, first, kind: paraKind!, quote: paraIsQuote)
        }
        return i + 1
    }

    private mutating func addToParagraph(_ line: Line, _ start: Int, kind: Block.Kind, quote: Bool) {
        let end = trimEnd(start, line.end)
        if paraKind == nil {
            paraKind = kind
            paraIsQuote = quote
            paraStart = scalarOffset(line, start)
        }
        paraSegments.append((start, end))
        paraEnd = scalarOffset(line, end)
    }

    private mutating func closeParagraph() {
        guard let kind = paraKind else { return }
        var joined: [UInt8] = []
        for (s, e) in paraSegments {
            if !joined.isEmpty { joined.append(0x20) }
            joined.append(contentsOf: bytes[s..<e])
        }
        let text = MarkdownInline.strip(joined)
        if !text.isEmpty { blocks.append(Block(kind: kind, text: text, range: paraStart..<paraEnd)) }
        paraKind = nil
        paraIsQuote = false
        paraSegments.removeAll(keepingCapacity: true)
    }

    // MARK: Block kinds

    /// Emits the heading and returns true, or returns false when the line is not an ATX heading.
    private mutating func atxHeading(_ line: Line, _ first: Int) -> Bool {
        var n = first
        while n < line.end && bytes[n] == UInt8(ascii: "#") { n += 1 }
        let level = n - first
        guard level <= 6, n == line.end || bytes[n] == 0x20 || bytes[n] == 0x09 else { return false }
        closeParagraph()
        inList = false
        var s = n
        while s < line.end && (bytes[s] == 0x20 || bytes[s] == 0x09) { s += 1 }
        var e = trimEnd(s, line.end)
        // Closing sequence: spaces then #s at the end.
        var k = e
        while k > s && bytes[k - 1] == UInt8(ascii: "#") { k -= 1 }
        if k < e && (k == s || bytes[k - 1] == 0x20 || bytes[k - 1] == 0x09) { e = trimEnd(s, k) }
        let text = MarkdownInline.strip(Array(bytes[s..<e]))
        if !text.isEmpty {
            blocks.append(Block(kind: .heading(level: level), text: text, range: scalarOffset(line, s)..<scalarOffset(line, e)))
        }
        return true
    }

    private func setextLevel(_ line: Line, _ first: Int) -> Int? {
        let c = bytes[first]
        guard c == UInt8(ascii: "=") || c == UInt8(ascii: "-") else { return nil }
        let end = trimEnd(first, line.end)
        for k in first..<end where bytes[k] != c { return nil }
        return c == UInt8(ascii: "=") ? 1 : 2
    }

    private func isThematicBreak(_ line: Line, _ first: Int) -> Bool {
        let c = bytes[first]
        guard c == UInt8(ascii: "-") || c == UInt8(ascii: "*") || c == UInt8(ascii: "_") else { return false }
        var count = 0
        for k in first..<line.end {
            if bytes[k] == c { count += 1 } else if bytes[k] != 0x20 && bytes[k] != 0x09 { return false }
        }
        return count >= 3
    }

    /// The first content byte after a list marker, or nil when the line is not a list item.
    private func listItemContent(_ line: Line, _ first: Int) -> Int? {
        let c = bytes[first]
        var n = first
        if c == UInt8(ascii: "-") || c == UInt8(ascii: "*") || c == UInt8(ascii: "+") {
            n += 1
        } else {
            while n < line.end && n - first < 9 && bytes[n] >= 0x30 && bytes[n] <= 0x39 { n += 1 }
            guard n > first, n < line.end, bytes[n] == UInt8(ascii: ".") || bytes[n] == UInt8(ascii: ")") else { return nil }
            n += 1
        }
        if n == line.end { return n }
        guard bytes[n] == 0x20 || bytes[n] == 0x09 else { return nil }
        while n < line.end && (bytes[n] == 0x20 || bytes[n] == 0x09) { n += 1 }
        // Task list boxes "[ ] " / "[x] " are markup, not text.
        if n + 3 < line.end && bytes[n] == UInt8(ascii: "[") && bytes[n + 2] == UInt8(ascii: "]") && bytes[n + 3] == 0x20,
           bytes[n + 1] == 0x20 || bytes[n + 1] == UInt8(ascii: "x") || bytes[n + 1] == UInt8(ascii: "X") {
            n += 4
        }
        return n
    }

    private func isReferenceDefinition(_ line: Line, _ first: Int) -> Bool {
        var k = first + 1
        while k + 1 < line.end && bytes[k] != UInt8(ascii: "]") { k += 1 }
        return k + 1 < line.end && bytes[k] == UInt8(ascii: "]") && bytes[k + 1] == UInt8(ascii: ":")
    }

    private mutating func fencedCode(from start: Int, fence: UInt8, length: Int, indent: Int) -> Int {
        var i = start
        var codeLines: [Line] = []
        while i < lines.count {
            let l = lines[i]
            let (ind, f) = indentation(l)
            if ind <= indent + 3 && f < l.end && bytes[f] == fence {
                var n = f
                while n < l.end && bytes[n] == fence { n += 1 }
                if n - f >= length && trimEnd(n, l.end) == n { i += 1; break }
            }
            codeLines.append(l)
            i += 1
        }
        emitCode(codeLines, stripColumns: indent)
        return i
    }

    private mutating func indentedCode(from start: Int) -> Int {
        var i = start
        var codeLines: [Line] = []
        while i < lines.count {
            let l = lines[i]
            if !isBlank(l) && indentation(l).columns < 4 { break }
            codeLines.append(l)
            i += 1
        }
        while let last = codeLines.last, isBlank(last) { codeLines.removeLast() }
        emitCode(codeLines, stripColumns: 4)
        // Give trailing blank lines back to the main loop.
        return start + codeLines.count
    }

    private mutating func emitCode(_ codeLines: [Line], stripColumns: Int) {
        var text: [UInt8] = []
        var firstByte = -1, firstLine = 0, lastByte = 0, lastLine = 0
        for (k, l) in codeLines.enumerated() {
            let s = skipIndent(l, columns: stripColumns)
            if k > 0 { text.append(0x0A) }
            text.append(contentsOf: bytes[s..<l.end])
            if s < l.end {
                if firstByte < 0 { firstByte = s; firstLine = k }
                lastByte = l.end
                lastLine = k
            }
        }
        guard firstByte >= 0 else { return }
        // Drop leading and trailing blank lines of the code, keep everything else verbatim.
        var startIdx = 0
        while startIdx < text.count && (text[startIdx] == 0x0A) { startIdx += 1 }
        var endIdx = text.count
        while endIdx > startIdx && (text[endIdx - 1] == 0x0A || text[endIdx - 1] == 0x20) { endIdx -= 1 }
        let range = scalarOffset(codeLines[firstLine], firstByte)..<scalarOffset(codeLines[lastLine], lastByte)
        blocks.append(Block(kind: .code, text: String(decoding: text[startIdx..<endIdx], as: UTF8.self), range: range))
    }

    private func isDelimiterRow(_ line: Line) -> Bool {
        let (_, first) = indentation(line)
        var sawDash = false, sawPipe = false
        for k in first..<line.end {
            switch bytes[k] {
            case UInt8(ascii: "-"): sawDash = true
            case UInt8(ascii: "|"): sawPipe = true
            case UInt8(ascii: ":"), 0x20, 0x09: break
            default: return false
            }
        }
        return sawDash && (sawPipe || first < line.end && bytes[first] != UInt8(ascii: "-"))
    }

    private mutating func table(from start: Int) -> Int {
        emitRow(lines[start])
        var i = start + 2
        while i < lines.count {
            let l = lines[i]
            let (_, first) = indentation(l)
            if first == l.end || !bytes[first..<l.end].contains(UInt8(ascii: "|")) { break }
            emitRow(l)
            i += 1
        }
        return i
    }

    private mutating func emitRow(_ line: Line) {
        let (_, first) = indentation(line)
        var s = first
        var e = trimEnd(first, line.end)
        if s < e && bytes[s] == UInt8(ascii: "|") { s += 1 }
        if e > s && bytes[e - 1] == UInt8(ascii: "|") && (e - 2 < s || bytes[e - 2] != UInt8(ascii: "\\")) { e -= 1 }
        var cells: [String] = []
        var cellStart = s
        var k = s
        while k <= e {
            if k == e || bytes[k] == UInt8(ascii: "|") && (k == s || bytes[k - 1] != UInt8(ascii: "\\")) {
                cells.append(MarkdownInline.strip(Array(bytes[cellStart..<k])))
                cellStart = k + 1
            }
            k += 1
        }
        let text = cells.joined(separator: " | ")
        guard cells.contains(where: { !$0.isEmpty }) else { return }
        blocks.append(Block(kind: .tableRow, text: text, range: scalarOffset(line, first)..<scalarOffset(line, trimEnd(first, line.end))))
    }
}
