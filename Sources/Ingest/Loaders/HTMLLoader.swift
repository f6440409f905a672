/// Loads HTML and XHTML with libxml2's HTML parser in recover mode: content blocks in, page furniture out.
import CLibXML2
import RAGCore

/// HTML/XHTML → one `Document`.
///
/// Dropped with their content: script, style, nav, header, footer, aside, form, noscript, template, svg, iframe,
/// object, embed, canvas, button, select, textarea; also elements marked `hidden`/`aria-hidden="true"`, ARIA
/// landmarks that are furniture (`role` navigation, search, banner, contentinfo, complementary) and the Sphinx
/// furniture classes `headerlink`, `sphinxsidebar`, `footer`.
/// Kept: h1–h6 as headings, p/div/section text as paragraphs, li as list items, each tr as a row
/// "cell | cell | cell", pre as code (whitespace kept); inline elements are flattened into their block with
/// whitespace collapsed. The title is `<title>`, else the first h1.
/// Input that is not valid UTF-8 is repaired with U+FFFD, unless the page declares another charset in a `<meta>`
/// (windows-1252, ISO-8859-x, …): then libxml2 decodes it as declared.
/// XHTML is parsed as XML with the safe options first (so `<div/>` and CDATA mean what they say); when it is not
/// well-formed, the XML parser's recover mode and then the HTML parser take over. An entity loop is refused.
public struct HTMLLoader: DocumentLoader {
    public init() {}

    public func load(path: String, bytes: [UInt8]) throws -> [Document] {
        [try loadDocument(path: path, bytes: bytes, format: FormatDetector.format(forPath: path) == .xhtml ? .xhtml : .html)]
    }

    /// - Parameter bytes: the file's bytes; repaired to UTF-8 here if needed.
    public func loadDocument(path: String, bytes: [UInt8], format: DocumentFormat = .html) throws -> Document {
        let utf8 = UTF8Repair.bytes(from: bytes)
        guard format == .xhtml else { return try htmlDocument(path: path, original: bytes, utf8: utf8, format: format) }
        let doc: xmlDocPtr
        do {
            doc = try LibXML.parseXML(utf8, path: path)
        } catch let error as RAGError {
            if let f = error.underlying as? LibXML.ParseFailure, f.code == LibXML.entityLoopCode { throw error }
            guard let recovered = try? LibXML.parseXML(utf8, path: path, recover: true) else {
                return try htmlDocument(path: path, original: bytes, utf8: utf8, format: format)
            }
            doc = recovered
        }
        defer { xmlFreeDoc(doc) }
        let out = TreeExtractor.extract(doc, classifier: HTMLTags(), titleOutsideBody: true)
        return Document(path: path, title: out.documentTitle ?? Self.firstH1(out.blocks), format: format, blocks: out.blocks)
    }

    /// The HTML parser's view (SAX, no tree).
    private func htmlDocument(path: String, original: [UInt8], utf8: [UInt8], format: DocumentFormat) throws -> Document {
        var out: ExtractorCore.Output?
        // A page that is not UTF-8 but declares its charset (Latin-1 and friends) is decoded as declared.
        if utf8 != original, Self.declaredCharset(original) != nil {
            out = try? HTMLSAXExtractor.extract(original, path: path, encoding: nil)
        }
        let result = try out ?? HTMLSAXExtractor.extract(utf8, path: path)
        return Document(path: path, title: result.documentTitle ?? Self.firstH1(result.blocks), format: format, blocks: result.blocks)
    }

    /// The charset a `<meta>` in the first 2 KB declares, when it is not UTF-8 (lower-cased), else nil.
    static func declaredCharset(_ bytes: [UInt8]) -> String? {
        let head = String(decoding: bytes.prefix(2048).map { $0 < 0x80 ? $0 : 0x20 }, as: UTF8.self).lowercased()
        guard let r = head.range(of: "charset=") else { return nil }
        let name = head[r.upperBound...].drop { $0 == "\"" || $0 == "'" || $0 == " " }
            .prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
        guard !name.isEmpty, name != "utf-8", name != "utf8" else { return nil }
        return String(name)
    }

    static func firstH1(_ blocks: [Block]) -> String? {
        blocks.first { $0.kind == .heading(level: 1) }?.text
    }
}

/// Tag roles for HTML and XHTML.
struct HTMLTags: TagClassifier {
    static let table: [TagKey: ElementRole] = TagKey.table(
        ["script", "style", "nav", "header", "footer", "aside", "form", "noscript", "template", "svg", "iframe",
         "object", "embed", "canvas", "button", "select", "textarea", "input", "option", "audio", "video", "map"]
            .map { ($0, .skip) }
        + (1...6).map { ("h\($0)", .block(.heading(level: $0))) }
        + ["p": .block(.paragraph), "li": .block(.listItem), "tr": .block(.tableRow), "td": .cell, "th": .cell,
           "pre": .preformatted, "br": .lineBreak, "title": .title, "xmp": .preformatted, "listing": .preformatted,
           "plaintext": .preformatted].map { ($0.key, $0.value) }
        + ["html", "body", "head", "div", "section", "article", "main", "blockquote", "figure", "figcaption", "ul",
           "ol", "dl", "dt", "dd", "table", "thead", "tbody", "tfoot", "caption", "center", "address", "details",
           "summary", "fieldset", "legend", "hr", "hgroup", "menu", "dir", "noframes", "frameset"]
            .map { ($0, .container) }
    )

    static let furnitureRoles: [StaticString] = ["navigation", "search", "banner", "contentinfo", "complementary"]
    static let furnitureClasses: [StaticString] = ["headerlink", "sphinxsidebar", "footer"]

    var roles: [TagKey: ElementRole] { Self.table }

    func role(of node: xmlNodePtr, byName: ElementRole?) -> ElementRole {
        Self.role(byName: byName, hasAttributes: node.pointee.properties != nil) { TreeExtractor.attribute(node, $0) }
    }

    /// `attribute(name)`: nil when absent, else the value (nil for a bare attribute such as `hidden`).
    static func role(byName: ElementRole?, hasAttributes: Bool,
                     attribute: (StaticString) -> UnsafePointer<UInt8>??) -> ElementRole {
        let role = byName ?? .inline
        if role == .skip || !hasAttributes { return role }
        if case let r?? = attribute("role"), TreeExtractor.hasToken(r, in: furnitureRoles) { return .skip }
        if case let c?? = attribute("class"), TreeExtractor.hasToken(c, in: furnitureClasses) { return .skip }
        if attribute("hidden") != nil { return .skip }
        if case let a?? = attribute("aria-hidden"), TreeExtractor.equals(a, "true") { return .skip }
        return role
    }

    mutating func entityText(_ node: xmlNodePtr, doc: xmlDocPtr) -> UnsafePointer<UInt8>? { nil }
}
