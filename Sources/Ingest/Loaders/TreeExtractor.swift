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
    /// A title: a heading at the current section depth (XML), or the document title when outside any body (HTML
    /// `<title>`, see `TreeExtractor.documentTitleTag`).
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
    /// The role of an element; `roleByName` is the table lookup already done (nil for unknown names).
    func role(of node: xmlNodePtr, byName: ElementRole?) -> ElementRole
    var roles: [TagKey: ElementRole] { get }
    /// Role of elements not in the table.
    var unknownRole: ElementRole { get }
    /// Replacement text for an entity reference node, or nil to drop it.
    mutating func entityText(_ node: xmlNodePtr, doc: xmlDocPtr) -> UnsafePointer<UInt8>?
}

struct TreeExtractor {
    struct Output {
        var blocks: [Block]
        /// The text of the first `.title` element outside any section (HTML `<title>`), if any.
        var documentTitle: String?
    }

    private struct Context {
        var node: xmlNodePtr
        var kind: Block.Kind
        var preformatted = false
        /// A container (div, section, unknown element): loose text in it is a paragraph, but it is not running text.
        var isContainer = false
        var isSection = false
        /// Absorbed block elements (a `p` inside a table cell) only add word boundaries.
        var absorbed = false
        var cells = 0
    }

    /// Extracts blocks from `doc`. `titleOutsideBody`: a `.title` element outside every section is the document
    /// title (HTML) rather than a heading (XML).
    static func extract<C: TagClassifier>(_ doc: xmlDocPtr, classifier: C, titleOutsideBody: Bool) -> Output {
        var classifier = classifier
        var acc = BlockAccumulator()
        var stack: [Context] = []
        var owner = -1  // index in `stack` of the innermost non-absorbed context
        var sectionDepth = 0
        var documentTitle: String?
        let docNode = UnsafeMutableRawPointer(doc).assumingMemoryBound(to: xmlNode.self)

        func ownerKind() -> Block.Kind { owner >= 0 ? stack[owner].kind : .paragraph }
        func ownerIsPre() -> Bool { owner >= 0 && stack[owner].preformatted }
        func ownerIsRunningText() -> Bool { owner >= 0 && !stack[owner].isContainer }
        func flushPending() {
            if !acc.isEmpty { acc.flush(ownerKind(), preformatted: ownerIsPre()) }
        }
        func push(_ c: Context) {
            stack.append(c)
            if !c.absorbed { owner = stack.count - 1 }
        }
        /// Whether a block of `kind` entering the current owner is absorbed into it as running text.
        func absorbs(_ kind: Block.Kind, container: Bool) -> Bool {
            guard owner >= 0 else { return false }
            let o = stack[owner]
            if o.preformatted { return true }
            switch o.kind {
            case .heading: return true
            case .tableRow: return kind != .tableRow
            case .listItem: return kind == .paragraph
            case .paragraph, .code: return false
            }
        }
        func enterBlock(_ node: xmlNodePtr, _ kind: Block.Kind, container: Bool = false, pre: Bool = false, section: Bool = false) {
            if !section && absorbs(kind, container: container) {
                if !ownerIsPre() { acc.space() }
                push(Context(node: node, kind: kind, absorbed: true))
                return
            }
            flushPending()
            push(Context(node: node, kind: kind, preformatted: pre, isContainer: container, isSection: section))
            if section { sectionDepth += 1 }
        }
        func exit(_ node: xmlNodePtr) {
            guard let top = stack.last, top.node == node else { return }
            stack.removeLast()
            if top.absorbed {
                if !ownerIsPre() { acc.space() }
                return
            }
            if !acc.isEmpty { acc.flush(top.kind, preformatted: top.preformatted) }
            if top.isSection { sectionDepth -= 1 }
            owner = stack.lastIndex(where: { !$0.absorbed }) ?? -1
        }
        /// Returns whether to descend into the node's children.
        func enter(_ node: xmlNodePtr) -> Bool {
            switch node.pointee.type {
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                if let content = node.pointee.content {
                    if ownerIsPre() { acc.appendRaw(content) } else { acc.appendNormalized(content) }
                }
                return false
            case XML_ENTITY_REF_NODE:
                // Never descend: the children of a reference are the entity's own nodes. Only what the
                // classifier allows (bounded, internal, entity-free text) is written.
                if let text = classifier.entityText(node, doc: doc) {
                    if ownerIsPre() { acc.appendRaw(text) } else { acc.appendNormalized(text) }
                }
                return false
            case XML_ELEMENT_NODE:
                break
            default:
                return false
            }
            let byName = node.pointee.name.flatMap { TagKey($0) }.flatMap { classifier.roles[$0] }
            var role = classifier.role(of: node, byName: byName)
            if role == .generic { role = ownerIsRunningText() ? .inline : .container }
            if role == .codeOrInline { role = ownerIsRunningText() ? .inline : .preformatted }
            switch role {
            case .skip:
                return false
            case .inline, .generic, .codeOrInline:
                return true
            case .lineBreak:
                if ownerIsPre() { acc.appendLiteral("\n") } else { acc.space() }
                return false
            case .block(let kind):
                enterBlock(node, kind)
            case .container:
                enterBlock(node, .paragraph, container: true)
            case .preformatted:
                enterBlock(node, .code, pre: true)
            case .cell:
                if owner >= 0 && stack[owner].kind == .tableRow && !stack[owner].preformatted {
                    if stack[owner].cells > 0 { acc.appendLiteral(" | ") }
                    stack[owner].cells += 1
                } else {
                    acc.space()
                }
            case .section:
                enterBlock(node, .paragraph, container: true, section: true)
            case .title:
                if titleOutsideBody && sectionDepth == 0 {
                    if documentTitle == nil {
                        var t = BlockAccumulator()
                        collectText(node, into: &t)
                        let s = t.pendingText
                        if !s.isEmpty { documentTitle = s }
                    }
                    return false
                }
                enterBlock(node, .heading(level: min(max(sectionDepth, 1), 6)))
            }
            return true
        }

        var node = doc.pointee.children
        while let n = node {
            if enter(n), let child = n.pointee.children, n.pointee.type == XML_ELEMENT_NODE {
                node = child
                continue
            }
            exit(n)
            var current = n
            node = nil
            while true {
                if let next = current.pointee.next { node = next; break }
                guard let parent = current.pointee.parent, parent != docNode else { break }
                exit(parent)
                current = parent
            }
        }
        flushPending()
        return Output(blocks: acc.blocks, documentTitle: documentTitle)
    }

    /// All text below `node` (normalised), iteratively; used for `<title>`.
    static func collectText(_ root: xmlNodePtr, into acc: inout BlockAccumulator) {
        var node = root.pointee.children
        while let n = node {
            if n.pointee.type == XML_TEXT_NODE || n.pointee.type == XML_CDATA_SECTION_NODE, let c = n.pointee.content {
                acc.appendNormalized(c)
            }
            if n.pointee.type == XML_ELEMENT_NODE, let child = n.pointee.children { node = child; continue }
            var current = n
            node = nil
            while true {
                if let next = current.pointee.next { node = next; break }
                guard let parent = current.pointee.parent, parent != root else { break }
                current = parent
            }
        }
    }

    /// The value of attribute `name` on an element (the first text child), without allocating.
    static func attribute(_ node: xmlNodePtr, _ name: StaticString) -> UnsafePointer<UInt8>? {
        var attr = node.pointee.properties
        while let a = attr {
            if let n = a.pointee.name, equals(n, name) {
                if let text = a.pointee.children?.pointee.content { return UnsafePointer(text) }
                return nil
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

    /// Whether a space-separated attribute value contains one of `tokens` (ASCII, case-sensitive).
    static func hasToken(_ value: UnsafePointer<UInt8>, in tokens: Set<String>) -> Bool {
        var start = value
        var p = value
        while true {
            let b = p.pointee
            if b == 0 || b == 0x20 || b == 0x09 || b == 0x0A {
                if p > start {
                    let token = String(decoding: UnsafeBufferPointer(start: start, count: p - start), as: UTF8.self)
                    if tokens.contains(token) { return true }
                }
                if b == 0 { return false }
                start = p + 1
            }
            p += 1
        }
    }
}
