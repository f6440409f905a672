/// Chooses a file's format from its extension and, where that says nothing, from its first bytes; refuses binaries.
import RAGCore

public enum FormatDetector {
    /// The format an extension names, or nil when the extension is not one `rag ingest` reads.
    /// A path without an extension is plain text.
    public static func format(forPath path: String) -> DocumentFormat? {
        guard let ext = pathExtension(path) else { return .text }
        switch ext.lowercased() {
        case "html", "htm": return .html
        case "xhtml", "xht": return .xhtml
        case "xml": return .xml
        case "md", "markdown", "mdown", "mkd": return .markdown
        case "txt", "text", "rst": return .text
        case "jsonl", "ndjson": return .jsonl
        case "pdf": return .pdf
        case "docx": return .docx
        case "pptx": return .pptx
        case "xlsx": return .xlsx
        case "odt": return .odt
        case "odp": return .odp
        case "ods": return .ods
        case "epub": return .epub
        default: return nil
        }
    }

    /// Whether `path` has an extension `rag ingest` reads (for the directory walker; content sniffing may still
    /// accept other files given explicitly).
    public static func isSupported(path: String) -> Bool { format(forPath: path) != nil }

    /// The format to load `bytes` with. The extension decides when it is known (an `.xml` file whose root is XHTML
    /// becomes `.xhtml`); otherwise the content is sniffed.
    /// - Throws: `RAGError` `.emptyFile`, `.binaryFile`, or `.unsupportedFormat`.
    public static func detect(path: String, bytes: [UInt8]) throws -> DocumentFormat {
        // Binary containers are recognised before the text checks, which would refuse them.
        if let byExtension = format(forPath: path), byExtension.isBinaryContainer { return byExtension }
        if bytes.starts(with: Array("%PDF-".utf8)) { return .pdf }
        try checkText(path: path, bytes: bytes)
        let head = bytes.prefix(8192)
        let sniffed = sniff(head)
        if let byExtension = format(forPath: path) {
            if byExtension == .xml && sniffed == .xhtml { return .xhtml }
            return byExtension
        }
        if let sniffed { return sniffed }
        throw RAGError(.unsupportedFormat, path: path,
                          reason: "unsupported format: extension '\(pathExtension(path) ?? "")' is not html, xhtml, xml, md, txt, jsonl, pdf, docx, pptx, xlsx, odt, odp, ods or epub and the content is not recognisable")
    }

    /// Refuses what no loader should read: an empty (or whitespace-only) file and a binary file.
    /// - Throws: `RAGError` `.emptyFile` or `.binaryFile`.
    public static func checkText(path: String, bytes: [UInt8]) throws {
        let head = bytes.prefix(8192)
        if isBlank(head, total: bytes) {
            throw RAGError(.emptyFile, path: path, reason: "empty file (\(bytes.count) bytes, no text)")
        }
        if let why = binaryReason(head) {
            throw RAGError(.binaryFile, path: path, reason: "binary file, not text (\(why))")
        }
    }

    /// The format the first bytes suggest: `<!DOCTYPE html`/`<html` → html, `<?xml` → xml or xhtml (XHTML namespace
    /// or doctype within the first 8 KB), `{"_id"` → jsonl; nil when nothing matches.
    public static func sniff<C: Collection>(_ head: C) -> DocumentFormat? where C.Element == UInt8 {
        var bytes = Array(head.prefix(8192))
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        guard let first = bytes.firstIndex(where: { !isSpace($0) }) else { return nil }
        let rest = bytes[first...]
        func startsCaseInsensitive(_ prefix: String) -> Bool {
            let p = Array(prefix.utf8)
            guard rest.count >= p.count else { return false }
            return zip(rest.prefix(p.count), p).allSatisfy { lower($0) == $1 }
        }
        if startsCaseInsensitive("<?xml") {
            return contains(bytes, "http://www.w3.org/1999/xhtml") || contains(bytes, "<!doctype html") ? .xhtml : .xml
        }
        if startsCaseInsensitive("<!doctype html") || startsCaseInsensitive("<html") { return .html }
        if rest.first == UInt8(ascii: "{") {
            let afterBrace = rest.dropFirst().drop(while: isSpace)
            if afterBrace.starts(with: Array("\"_id\"".utf8)) { return .jsonl }
        }
        if startsCaseInsensitive("<!--") && (contains(bytes, "<html") || contains(bytes, "<!doctype html")) { return .html }
        return nil
    }

    /// Why `head` (the first 8 KB) looks binary, or nil: a NUL byte, or over 10% control bytes other than
    /// tab, newline, carriage return, form feed, vertical tab and escape.
    static func binaryReason<C: Collection>(_ head: C) -> String? where C.Element == UInt8 {
        if head.starts(with: [0xFF, 0xFE]) || head.starts(with: [0xFE, 0xFF]) { return nil }  // UTF-16 with a BOM
        var controls = 0
        var count = 0
        for b in head {
            count += 1
            if b == 0 { return "NUL byte at offset \(count - 1)" }
            if b < 0x20 && b != 0x09 && b != 0x0A && b != 0x0D && b != 0x0C && b != 0x0B && b != 0x1B { controls += 1 }
        }
        if count > 0 && controls * 10 > count { return "\(controls) control bytes in the first \(count)" }
        return nil
    }

    private static func isBlank<C: Collection>(_ head: C, total: [UInt8]) -> Bool where C.Element == UInt8 {
        var bytes = Array(head)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        else if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
            bytes.removeFirst(2)
            bytes.removeAll { $0 == 0 }
        }
        if !bytes.allSatisfy(isSpace) { return false }
        return total.count <= head.count || total.allSatisfy { isSpace($0) || $0 == 0 }
    }

    static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x09 || b == 0x0D || b == 0x0C || b == 0x0B }

    private static func lower(_ b: UInt8) -> UInt8 { b >= 0x41 && b <= 0x5A ? b + 0x20 : b }

    private static func contains(_ haystack: [UInt8], _ needle: String) -> Bool {
        let n = Array(needle.utf8)
        guard haystack.count >= n.count, let f = n.first else { return false }
        var i = 0
        while i + n.count <= haystack.count {
            if lower(haystack[i]) == f {
                var k = 1
                while k < n.count && lower(haystack[i + k]) == n[k] { k += 1 }
                if k == n.count { return true }
            }
            i += 1
        }
        return false
    }

    static func pathExtension(_ path: String) -> String? {
        let name = path.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? path
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
        let ext = name[name.index(after: dot)...]
        return ext.isEmpty ? nil : String(ext)
    }
}

extension DocumentFormat {
    /// PDF and the zip-based formats: binary files that their own loaders open, never the text checks.
    var isBinaryContainer: Bool {
        switch self {
        case .pdf, .docx, .pptx, .xlsx, .odt, .odp, .ods, .epub: true
        case .html, .xhtml, .xml, .markdown, .text, .jsonl: false
        }
    }
}
