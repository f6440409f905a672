/// Resolves a link inside a zip-based document (a relationship target, an OPF href) to an entry name.
enum ArchivePath {
    /// `target` relative to the folder `base` (no trailing slash; "" for the root). A leading "/" means the archive
    /// root. Nil when the link climbs out of the archive or is a URL (external links are not followed).
    static func resolve(_ target: String, from base: String) -> String? {
        let clean = target.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        if clean.isEmpty || clean.contains("://") || clean.hasPrefix("mailto:") { return nil }
        var parts: [Substring] = clean.hasPrefix("/") ? [] : base.split(separator: "/")
        for segment in clean.split(separator: "/") {
            switch segment {
            case ".": continue
            case "..":
                guard !parts.isEmpty else { return nil }
                parts.removeLast()
            default: parts.append(segment)
            }
        }
        let joined = parts.joined(separator: "/")
        return joined.removingPercentEncodingIfNeeded
    }

    /// The folder of an entry ("word/document.xml" → "word").
    static func folder(of entry: String) -> String {
        guard let slash = entry.lastIndex(of: "/") else { return "" }
        return String(entry[..<slash])
    }
}

private extension String {
    /// EPUB hrefs are URLs ("chapter%201.xhtml"); entry names are not encoded.
    var removingPercentEncodingIfNeeded: String {
        guard contains("%") else { return self }
        var bytes: [UInt8] = []
        var it = Array(utf8)[...]
        while let b = it.popFirst() {
            if b == UInt8(ascii: "%"), it.count >= 2, let v = UInt8(String(decoding: it.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(v)
                it = it.dropFirst(2)
            } else {
                bytes.append(b)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
