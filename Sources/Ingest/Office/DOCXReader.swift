/// Reads a Word document (DOCX): paragraphs with their heading level from the paragraph style, lists, tables as rows.
import CLibXML2
import RAGCore

enum DOCXReader {
    static func read(_ zip: SafeZipArchive) throws -> (title: String?, blocks: [Block]) {
        guard let bytes = try zip.read("word/document.xml") else {
            throw RAGError(.parseError, path: zip.path, reason: "not a Word document: no word/document.xml")
        }
        let styles = try styleNames(zip)
        let xml = try OfficeXML(bytes, path: zip.path, part: "word/document.xml")
        var list = BlockList()
        var title: String?
        guard let root = xml.root, let body = OfficeXML.child(root, "body") else { return (nil, []) }
        // Iterative over block containers: content controls (sdt) and their content nest paragraphs and tables.
        var stack = OfficeXML.children(body).reversed() as [xmlNodePtr]
        while let node = stack.popLast() {
            switch OfficeXML.name(node) {
            case "p":
                let text = paragraphText(node)
                let blockKind = Self.kind(of: node, styles: styles)
                if blockKind == .heading(level: 1), title == nil, isTitleStyle(node, styles: styles) { title = BlockList.collapse(text) }
                list.append(blockKind, text)
            case "tbl":
                for row in OfficeXML.descendants(node, "tr") {
                    let cells = OfficeXML.children(row).filter { OfficeXML.name($0) == "tc" }.map { cell in
                        OfficeXML.descendants(cell, "p").map(paragraphText).joined(separator: " ")
                    }
                    list.append(.tableRow, cells.map(BlockList.collapse).joined(separator: " | "))
                }
            case "sdt", "sdtContent", "customXml", "smartTag", "ins":
                stack.append(contentsOf: OfficeXML.children(node).reversed())
            default:
                continue
            }
        }
        let metadata = try OfficeLoader.metadataTitle(zip, part: "docProps/core.xml")
        return (metadata ?? title, list.blocks)
    }

    /// The text of `w:t` runs; deleted text (`w:delText`) and field instructions (`w:instrText`) are not text nodes under `w:t`.
    static func paragraphText(_ p: xmlNodePtr) -> String {
        OfficeXML.text(of: p, skip: ["instrText", "delText", "del", "rPr", "pPr"])
    }

    static func styleID(_ p: xmlNodePtr) -> String? {
        guard let pPr = OfficeXML.child(p, "pPr"), let style = OfficeXML.child(pPr, "pStyle") else { return nil }
        return OfficeXML.attribute(style, "val")
    }

    static func isTitleStyle(_ p: xmlNodePtr, styles: [String: String]) -> Bool {
        guard let id = styleID(p) else { return false }
        return (styles[id] ?? id.lowercased()) == "title"
    }

    /// Heading N from the style's name ("heading 2") or id ("Heading2"), Title as level 1, numbered or list-styled
    /// paragraphs as list items.
    static func kind(of p: xmlNodePtr, styles: [String: String]) -> Block.Kind {
        if let id = styleID(p) {
            let name = styles[id] ?? id.lowercased()
            if name == "title" { return .heading(level: 1) }
            let compact = name.replacingOccurrences(of: " ", with: "")
            if compact.hasPrefix("heading"), let n = Int(compact.dropFirst("heading".count)), (1...9).contains(n) {
                return .heading(level: min(n, 6))
            }
            if compact.hasPrefix("list") { return .listItem }
        }
        if let pPr = OfficeXML.child(p, "pPr"), OfficeXML.child(pPr, "numPr") != nil { return .listItem }
        return .paragraph
    }

    /// styleId → lower-cased style name, from word/styles.xml (localised documents keep English names there).
    static func styleNames(_ zip: SafeZipArchive) throws -> [String: String] {
        guard let bytes = try zip.read("word/styles.xml") else { return [:] }
        let xml = try OfficeXML(bytes, path: zip.path, part: "word/styles.xml")
        guard let root = xml.root else { return [:] }
        var out: [String: String] = [:]
        for style in OfficeXML.children(root) where OfficeXML.name(style) == "style" {
            guard let id = OfficeXML.attribute(style, "styleId"), let n = OfficeXML.child(style, "name"),
                  let name = OfficeXML.attribute(n, "val") else { continue }
            out[id] = name.lowercased()
        }
        return out
    }
}
