/// Walks a libxml2 tree without recursion and turns it into blocks; the HTML and XML loaders supply the tag roles.
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

/// The block-building state machine, driven by element start/end and text events: from a tree walk
/// (`TreeExtractor`) or from SAX callbacks (`HTMLSAXExtractor`). Memory is O(nesting depth), no recursion.
struct ExtractorCore {
    struct Output {
        var blocks: [Block]
        /// The text of the first `.title` element outside any section when `titleOutsideBody` (HTML `<title>`).
        var documentTitle: String?
    }

    private struct Context {
        var kind: Block.Kind
        var preformatted = false
        /// A container (div, section, unknown element): loose text in it is a paragraph, but it is not running text.
        var isContainer = false
        var isSection = false
        /// Absorbed block elements (a `p` inside a table cell) only add word boundaries.
        var absorbed = false
        var cells = 0
    }

    /// What each open element did on entry, so its end can undo it.
    private enum Open { case plain, context, title }

    private let titleOutsideBody: Bool
    private var acc = BlockAccumulator()
    private var open: [Open] = []
    private var contexts: [Context] = []
    private var owner = -1  // index in `contexts` of the innermost non-absorbed context
    private var sectionDepth = 0
    /// > 0 inside a skipped element (counts nested elements for event-driven callers).
    private var skipDepth = 0
    private var titleText: BlockAccumulator?
    private var documentTitle: String?

    init(titleOutsideBody: Bool) {
        self.titleOutsideBody = titleOutsideBody
    }

    mutating func finish() -> Output {
        flushPending()
        return Output(blocks: acc.blocks, documentTitle: documentTitle)
    }

    private var ownerKind: Block.Kind { owner >= 0 ? contexts[owner].kind : .paragraph }
    private var ownerIsPre: Bool { owner >= 0 && contexts[owner].preformatted }
    private var ownerIsRunningText: Bool { owner >= 0 && !contexts[owner].isContainer }

    private mutating func flushPending() {
        if !acc.isEmpty { acc.flush(ownerKind, preformatted: ownerIsPre) }
    }

    /// Whether a block of `kind` entering the current owner is absorbed into it as running text.
    private func absorbs(_ kind: Block.Kind) -> Bool {
        guard owner >= 0 else { return false }
        let o = contexts[owner]
        if o.preformatted { return true }
        switch o.kind {
        case .heading: return true
        case .tableRow: return kind != .tableRow
        case .listItem: return kind == .paragraph
        case .paragraph, .code: return false
        }
    }

    private mutating func enterBlock(_ kind: Block.Kind, container: Bool = false, pre: Bool = false, section: Bool = false) {
        open.append(.context)
        if !section && absorbs(kind) {
            if !ownerIsPre { acc.space() }
            contexts.append(Context(kind: kind, absorbed: true))
            return
        }
        flushPending()
        contexts.append(Context(kind: kind, preformatted: pre, isContainer: container, isSection: section))
        owner = contexts.count - 1
        if section { sectionDepth += 1 }
    }

    /// An element starts. Returns whether its content matters (false: skipped, or empty by nature such as `br`);
    /// every call, whatever it returns, must be matched by one `end()`.
    mutating func start(_ role: ElementRole) -> Bool {
        if skipDepth > 0 { skipDepth += 1; return false }
        if titleText != nil { open.append(.plain); return true }
        var role = role
        if role == .generic { role = ownerIsRunningText ? .inline : .container }
        if role == .codeOrInline { role = ownerIsRunningText ? .inline : .preformatted }
        switch role {
        case .skip:
            skipDepth = 1
            return false
        case .inline, .generic, .codeOrInline:
            open.append(.plain)
        case .lineBreak:
            open.append(.plain)
            if ownerIsPre { acc.appendLiteral("\n") } else { acc.space() }
            return false
        case .block(let kind):
            enterBlock(kind)
        case .container:
            enterBlock(.paragraph, container: true)
        case .preformatted:
            enterBlock(.code, pre: true)
        case .cell:
            open.append(.plain)
            if owner >= 0 && contexts[owner].kind == .tableRow && !contexts[owner].preformatted {
                if contexts[owner].cells > 0 { acc.appendLiteral(" | ") }
                contexts[owner].cells += 1
            } else {
                acc.space()
            }
        case .section:
            enterBlock(.paragraph, container: true, section: true)
        case .title:
            if titleOutsideBody && sectionDepth == 0 {
                open.append(.title)
                titleText = BlockAccumulator()
                return true
            }
            enterBlock(.heading(level: min(max(sectionDepth, 1), 6)))
        }
        return true
    }

    /// The innermost open element ends.
    mutating func end() {
        if skipDepth > 0 { skipDepth -= 1; return }
        guard let o = open.popLast() else { return }
        switch o {
        case .plain:
            return
        case .title:
            if documentTitle == nil, let t = titleText?.pendingText, !t.isEmpty { documentTitle = t }
            titleText = nil
        case .context:
            let top = contexts.removeLast()
            if top.absorbed {
                if !ownerIsPre { acc.space() }
                return
            }
            if !acc.isEmpty { acc.flush(top.kind, preformatted: top.preformatted) }
            if top.isSection { sectionDepth -= 1 }
            owner = contexts.lastIndex(where: { !$0.absorbed }) ?? -1
        }
    }

    /// Character data of the current element.
    mutating func text(_ bytes: UnsafePointer<UInt8>, count: Int) {
        if skipDepth > 0 { return }
        if titleText != nil { titleText!.appendNormalized(bytes, count: count); return }
        if ownerIsPre { acc.appendRaw(bytes, count: count) } else { acc.appendNormalized(bytes, count: count) }
    }
}

/// Drives `ExtractorCore` over a libxml2 tree (XML and XHTML documents), iteratively.
enum TreeExtractor {
    /// Extracts blocks from `doc`. `titleOutsideBody`: a `.title` element outside every section is the document
    /// title (HTML) rather than a heading (XML).
    static func extract<C: TagClassifier>(_ doc: xmlDocPtr, classifier: C, titleOutsideBody: Bool) -> ExtractorCore.Output {
        var classifier = classifier
        var core = ExtractorCore(titleOutsideBody: titleOutsideBody)
        let docNode = UnsafeMutableRawPointer(doc).assumingMemoryBound(to: xmlNode.self)

        var node = doc.pointee.children
        while let n = node {
            var descend = false
            switch n.pointee.type {
            case XML_ELEMENT_NODE:
                let byName = n.pointee.name.flatMap { TagKey($0) }.flatMap { classifier.roles[$0] }
                descend = core.start(classifier.role(of: n, byName: byName))
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                if let content = n.pointee.content { core.text(content, count: Int(xmlStrlen(content))) }
            case XML_ENTITY_REF_NODE:
                // Never descend: the children of a reference are the entity's own nodes. Only what the classifier
                // allows (bounded, internal, entity-free text) is written.
                if let text = classifier.entityText(n, doc: doc) { core.text(text, count: Int(xmlStrlen(text))) }
            default:
                break
            }
            if descend, let child = n.pointee.children {
                node = child
                continue
            }
            if n.pointee.type == XML_ELEMENT_NODE { core.end() }
            var current = n
            node = nil
            while true {
                if let next = current.pointee.next { node = next; break }
                guard let parent = current.pointee.parent, parent != docNode else { break }
                core.end()  // only elements have children we descend into
                current = parent
            }
        }
        return core.finish()
    }

    /// Attribute `name` of an element: nil when absent, else its value (nil for a bare attribute), without
    /// allocating.
    static func attribute(_ node: xmlNodePtr, _ name: StaticString) -> UnsafePointer<UInt8>?? {
        var attr = node.pointee.properties
        while let a = attr {
            if let n = a.pointee.name, equals(n, name) {
                return .some(a.pointee.children?.pointee.content.map { UnsafePointer($0) })
            }
            attr = a.pointee.next
        }
        return nil
    }

    /// Whether a NUL-terminated name equals `name` (ASCII).
    static func equals(_ cName: UnsafePointer<UInt8>, _ name: StaticString) -> Bool {
        let count = name.utf8CodeUnitCount
        let expected = name.utf8Start
        for i in 0..<count where cName[i] != expected[i] { return false }
        return cName[count] == 0
    }

    /// Whether a space-separated attribute value contains one of `tokens` (ASCII, case-sensitive), without
    /// allocating.
    static func hasToken(_ value: UnsafePointer<UInt8>, in tokens: [StaticString]) -> Bool {
        var start = value
        var p = value
        while true {
            let b = p.pointee
            if b == 0 || b == 0x20 || b == 0x09 || b == 0x0A {
                let length = p - start
                if length > 0 {
                    for token in tokens where token.utf8CodeUnitCount == length {
                        let t = token.utf8Start
                        var k = 0
                        while k < length && start[k] == t[k] { k += 1 }
                        if k == length { return true }
                    }
                }
                if b == 0 { return false }
                start = p + 1
            }
            p += 1
        }
    }
}
