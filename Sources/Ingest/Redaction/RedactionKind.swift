/// The kinds of personal data `rag ingest --redact` replaces, and the parsing of the option's list.
import RAGCore

/// One kind of personal data, with the placeholder that replaces it.
public enum RedactionKind: String, Sendable, CaseIterable, Codable, Comparable {
    case email, phone, card, iban, ip, secret

    /// "[EMAIL]", "[CARD]", …
    public var placeholder: String { "[\(rawValue.uppercased())]" }

    public static func < (a: RedactionKind, b: RedactionKind) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// "email,phone" or "all" → the kinds; an empty string → none.
    /// - Throws: `RAGError.invalidParameter` naming the unknown kind.
    public static func parseList(_ list: String) throws -> Set<RedactionKind> {
        var kinds = Set<RedactionKind>()
        for raw in list.split(separator: ",") {
            let name = raw.trimmedSpaces().lowercased()
            if name.isEmpty { continue }
            if name == "all" { kinds.formUnion(allCases); continue }
            guard let kind = RedactionKind(rawValue: name) else {
                throw RAGError.invalidParameter("--redact", "unknown kind '\(name)': use \(allCases.map(\.rawValue).joined(separator: ",")) or all")
            }
            kinds.insert(kind)
        }
        return kinds
    }

    /// The kinds as recorded in the index and shown by `rag stats`: "email,phone" in a fixed order.
    public static func listText(_ kinds: Set<RedactionKind>) -> String {
        kinds.sorted().map(\.rawValue).joined(separator: ",")
    }
}

private extension Substring {
    func trimmedSpaces() -> String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
