/// The `{"code","message"}` object of an error, as error responses and error events in streams carry it.
extension APIError {
    struct Body: Encodable, Sendable {
        var code: String
        var message: String
    }

    var body: Body { Body(code: code.rawValue, message: message) }

    /// `text` with every absolute path cut to its last component ("/srv/rag/index.sqlite" → "index.sqlite"), for
    /// messages that leave the machine (5xx bodies, /readyz without the key).
    static func withoutDirectories(_ text: String) -> String {
        var out = ""
        var i = text.startIndex
        while i < text.endIndex {
            let c = text[i]
            let atStart = i == text.startIndex || " \t\n('\"=,[".contains(text[text.index(before: i)])
            guard c == "/", atStart else { out.append(c); i = text.index(after: i); continue }
            // An absolute path: up to the next space, quote or bracket; keep what follows the last slash.
            var end = i
            while end < text.endIndex, !" \t\n'\")],;".contains(text[end]) { end = text.index(after: end) }
            let path = text[i..<end]
            let trimmed = path.hasSuffix(":") ? path.dropLast() : path[...]
            let name = trimmed.split(separator: "/").last.map(String.init) ?? ""
            out += name.isEmpty ? "/" : name
            if path.hasSuffix(":") { out += ":" }
            i = end
        }
        return out
    }
}
