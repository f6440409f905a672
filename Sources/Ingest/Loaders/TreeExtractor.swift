/// Walks a libxml2 tree without recursion, feeding `ExtractorCore` (XML and XHTML documents).
import CLibXML2
import RAGCore

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
