/// The vocabulary between the markup loaders and the extractor: element roles, tag-name keys, classifiers.
import CLibXML2
import RAGCore

/// What an element means to the extractor.
enum ElementRole: Sendable, Equatable {
    /// Dropped with everything inside (script, nav, …).
    case skip
    /// Text flows into the enclosing block (a, b, em, span, …).
    case inline
    /// `br`: a space, or a newline inside preformatted text.
    case lineBreak
    /// A block of its own: its text becomes one block of this kind (p, li, tr, h1, para, …).
    case block(Block.Kind)
    /// A container (div, section, body, ul, table): a boundary; loose text inside becomes paragraphs.
    case container
    /// Code with its whitespace kept (pre, programlisting).
    case preformatted
    /// Code that is inline inside running text and a code block elsewhere (DocBook/XML `code`).
    case codeOrInline
    /// An element with no known meaning (XML): inline inside running text, a container elsewhere.
    case generic
    /// A table cell: cells of a row are joined with " | ".
    case cell
    /// A sectioning element (XML section, chapter, sect1…): titles inside are headings one level deeper.
    case section
    /// A title: a heading at the current section depth (XML), or, with `titleOutsideBody`, the document title when
    /// outside any section (HTML `<title>`).
    case title
}

/// Lookup key for a tag name: up to 16 lower-cased ASCII bytes packed into two words.
struct TagKey: Hashable, Sendable {
    var a: UInt64 = 0
    var b: UInt64 = 0

    init?(_ name: UnsafePointer<UInt8>) {
        var i = 0
        while case let c = name[i], c != 0 {
            if i >= 16 { return nil }
            let l = UInt64(c >= 0x41 && c <= 0x5A ? c + 0x20 : c)
            if i < 8 { a |= l << (UInt64(i) * 8) } else { b |= l << (UInt64(i - 8) * 8) }
            i += 1
        }
    }

    init(_ name: String) {
        var i = 0
        for c in name.utf8.prefix(16) {
            if i < 8 { a |= UInt64(c) << (UInt64(i) * 8) } else { b |= UInt64(c) << (UInt64(i - 8) * 8) }
            i += 1
        }
    }

    static func table(_ entries: [(String, ElementRole)]) -> [TagKey: ElementRole] {
        Dictionary(entries.map { (TagKey($0.0), $0.1) }, uniquingKeysWith: { a, _ in a })
    }
}

/// The extractor's per-dialect decisions.
protocol TagClassifier {
    /// The role of an element; `byName` is the table lookup already done (nil for unknown names).
    func role(of node: xmlNodePtr, byName: ElementRole?) -> ElementRole
    var roles: [TagKey: ElementRole] { get }
    /// Replacement text for an entity reference node, or nil to drop it.
    mutating func entityText(_ node: xmlNodePtr, doc: xmlDocPtr) -> UnsafePointer<UInt8>?
}
