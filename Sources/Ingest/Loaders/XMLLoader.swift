/// Loads generic and DocBook-style XML with libxml2's safe options: sections and titles become headings.
import CLibXML2
import RAGCore

/// XML → one `Document`.
///
/// Safety: no network, no entity substitution, no DTD loading, a null external-entity loader (see `LibXML`).
/// A document that is not well-formed is refused with libxml2's line and message (no recovery: half a document
/// is worse than a clear error), and so is an entity loop (billion laughs) or nesting deeper than libxml2's 256
/// levels. Entity references are never expanded by the parser; the walker writes an internal entity's replacement
/// text only when it is short plain text (no markup, no further references) and within a per-document budget,
/// so neither an external entity's file nor an expanding entity can reach the output.
///
/// Structure: section, chapter, article, appendix, part, preface, sect1–sect5, simplesect, refsect1–3, topic…
/// nest; a `title` is a heading at its section depth (1 outside any section). para/simpara/p are paragraphs,
/// listitem/li list items, row/tr table rows with entry/td/th cells, programlisting/screen/literallayout/synopsis
/// /pre code (`code` is code unless inside running text); other elements are inline inside running text and
/// paragraph containers elsewhere. The title is the first heading's text.
public struct XMLLoader: DocumentLoader {
    public init() {}

    public func load(path: String, bytes: [UInt8]) throws -> [Document] {
        [try loadDocument(path: path, bytes: bytes)]
    }

    public func loadDocument(path: String, bytes: [UInt8]) throws -> Document {
        let doc = try LibXML.parseXML(UTF8Repair.bytes(from: bytes), path: path)
        defer { xmlFreeDoc(doc) }
        let out = TreeExtractor.extract(doc, classifier: XMLTags(), titleOutsideBody: false)
        let title = out.blocks.first { if case .heading = $0.kind { true } else { false } }?.text
        return Document(path: path, title: title, format: .xml, blocks: out.blocks)
    }
}

/// Tag roles for DocBook-like and generic XML.
struct XMLTags: TagClassifier {
    static let table: [TagKey: ElementRole] = TagKey.table(
        ["section", "chapter", "article", "appendix", "part", "preface", "book", "set", "simplesect", "sect1",
         "sect2", "sect3", "sect4", "sect5", "refsect1", "refsect2", "refsect3", "refsection", "refentry",
         "glossary", "bibliography", "topic", "concept", "task", "reference", "colophon", "dedication"]
            .map { ($0, .section) }
        + ["title": .title, "para": .block(.paragraph), "simpara": .block(.paragraph), "p": .block(.paragraph),
           "listitem": .block(.listItem), "li": .block(.listItem), "row": .block(.tableRow), "tr": .block(.tableRow),
           "entry": .cell, "td": .cell, "th": .cell, "programlisting": .preformatted, "screen": .preformatted,
           "literallayout": .preformatted, "synopsis": .preformatted, "pre": .preformatted,
           "codeblock": .preformatted, "code": .codeOrInline, "indexterm": .skip, "remark": .skip,
           "br": .lineBreak].map { ($0.key, $0.value) }
    )

    /// At most this much internal-entity text per document.
    static let entityBudget = 1 << 20
    static let maxEntityLength = 1024

    var used = 0

    var roles: [TagKey: ElementRole] { Self.table }
    func role(of node: xmlNodePtr, byName: ElementRole?) -> ElementRole { byName ?? .generic }

    mutating func entityText(_ node: xmlNodePtr, doc: xmlDocPtr) -> UnsafePointer<UInt8>? {
        guard let name = node.pointee.name, let entity = xmlGetDocEntity(doc, name),
              entity.pointee.etype == XML_INTERNAL_GENERAL_ENTITY, let content = entity.pointee.content else { return nil }
        var length = 0
        while case let b = content[length], b != 0 {
            if b == UInt8(ascii: "&") || b == UInt8(ascii: "<") || length >= Self.maxEntityLength { return nil }
            length += 1
        }
        guard used + length <= Self.entityBudget else { return nil }
        used += length
        return UnsafePointer(content)
    }
}
