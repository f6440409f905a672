/// Parses the XML parts of office and e-book documents with the loaders' safe libxml2 options, and walks them.
import CLibXML2
import RAGCore

/// A parsed XML part, freed on deinit. Elements are matched by local name (the prefixes of OOXML and ODF vary).
final class OfficeXML {
    let doc: xmlDocPtr
    /// Text gathered per call to `text(of:)` at most (a hostile part cannot make one block unbounded).
    static let maxText = 4 << 20

    /// - Throws: `.parseError` for XML that is not well-formed, and for a part that declares a DTD: office parts
    ///   never do, so a DOCTYPE means entities someone wants expanded (external files, entity bombs); nothing
    ///   in the part is read then.
    init(_ bytes: [UInt8], path: String, part: String) throws {
        let parsed: xmlDocPtr
        do {
            parsed = try LibXML.parseXML(bytes, path: path)
        } catch let e as RAGError {
            throw RAGError(e.code, path: path, line: e.line, reason: "\(part): \(e.reason)", underlying: e.underlying)
        }
        if parsed.pointee.intSubset != nil {
            xmlFreeDoc(parsed)
            throw RAGError(.parseError, path: path,
                              reason: "\(part) declares a DTD (entities are not expanded in office documents): refused")
        }
        doc = parsed
    }

    deinit { xmlFreeDoc(doc) }

    var root: xmlNodePtr? { xmlDocGetRootElement(doc) }

    static func name(_ node: xmlNodePtr) -> String {
        node.pointee.name.map { String(cString: $0) } ?? ""
    }

    static func isElement(_ node: xmlNodePtr, _ localName: String) -> Bool {
        node.pointee.type == XML_ELEMENT_NODE && name(node) == localName
    }

    /// Element children in order.
    static func children(_ node: xmlNodePtr) -> [xmlNodePtr] {
        var out: [xmlNodePtr] = []
        var c = node.pointee.children
        while let n = c {
            if n.pointee.type == XML_ELEMENT_NODE { out.append(n) }
            c = n.pointee.next
        }
        return out
    }

    static func child(_ node: xmlNodePtr, _ localName: String) -> xmlNodePtr? {
        children(node).first { name($0) == localName }
    }

    /// Descendant elements named `localName`, depth-first, not descending into matches (iterative: no recursion
    /// depth to exhaust).
    static func descendants(_ node: xmlNodePtr, _ localName: String, limit: Int = 1_000_000) -> [xmlNodePtr] {
        var out: [xmlNodePtr] = []
        var stack = children(node).reversed() as [xmlNodePtr]
        while let n = stack.popLast(), out.count < limit {
            if name(n) == localName { out.append(n); continue }
            stack.append(contentsOf: children(n).reversed())
        }
        return out
    }

    /// An attribute by local name, whatever its namespace; with `namespaced`, only one in a namespace (OOXML's
    /// relationship `r:id` beside a plain `id`).
    static func attribute(_ node: xmlNodePtr, _ localName: String, namespaced: Bool = false) -> String? {
        var a = node.pointee.properties
        while let attr = a {
            if let n = attr.pointee.name, String(cString: n) == localName, !namespaced || attr.pointee.ns != nil {
                guard let v = xmlNodeGetContent(UnsafeMutableRawPointer(attr).assumingMemoryBound(to: xmlNode.self)) else { return "" }
                defer { cxml_free(v) }
                return String(cString: v)
            }
            a = attr.pointee.next
        }
        return nil
    }

    /// The text under `node`: text and CDATA nodes in order; elements named in `spaces` (tabs, breaks, ODF's
    /// `s`) add a space; elements named in `skip` are left out with their content. Entity references are never
    /// followed (no substitution at parse time).
    static func text(of node: xmlNodePtr, spaces: Set<String> = ["tab", "br", "s", "line-break", "cr"],
                     skip: Set<String> = []) -> String {
        var out: [UInt8] = []
        var stack: [xmlNodePtr] = [node]
        while let n = stack.popLast(), out.count < maxText {
            switch n.pointee.type {
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                if let c = n.pointee.content {
                    var i = 0
                    while c[i] != 0 { out.append(c[i]); i += 1 }
                }
            case XML_ELEMENT_NODE:
                let local = name(n)
                if skip.contains(local) { continue }
                if spaces.contains(local) { out.append(0x20) }
                var kids: [xmlNodePtr] = []
                var c = n.pointee.children
                while let k = c { kids.append(k); c = k.pointee.next }
                stack.append(contentsOf: kids.reversed())
            default:
                continue
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
