/// Reads OpenDocument text, presentations and spreadsheets (ODT, ODP, ODS) from their content.xml.
import CLibXML2
import RAGCore

enum ODFReader {
    static let maxRows = 100_000

    static func read(_ zip: SafeZipArchive) throws -> (title: String?, blocks: [Block]) {
        if let manifest = try zip.read("META-INF/manifest.xml"),
           String(decoding: manifest, as: UTF8.self).contains("encryption-data") {
            throw RAGError(.encrypted, path: zip.path, reason: "encrypted OpenDocument (password-protected): not read")
        }
        guard let bytes = try zip.read("content.xml") else {
            throw RAGError(.parseError, path: zip.path, reason: "not an OpenDocument file: no content.xml")
        }
        let xml = try OfficeXML(bytes, path: zip.path, part: "content.xml")
        var list = BlockList()
        guard let root = xml.root, let body = OfficeXML.child(root, "body") else { return (nil, []) }
        var rows = 0
        var slide = 0
        // Iterative walk: ODF nests sections, lists, frames and tables freely.
        var stack: [(node: xmlNodePtr, inList: Bool)] = OfficeXML.children(body).reversed().map { ($0, false) }
        while let item = stack.popLast() {
            let (node, inList) = item
            switch OfficeXML.name(node) {
            case "h":
                let level = Int(OfficeXML.attribute(node, "outline-level") ?? "1") ?? 1
                list.append(.heading(level: min(max(level, 1), 6)), OfficeXML.text(of: node, skip: ["note"]))
            case "p":
                list.append(inList ? .listItem : .paragraph, OfficeXML.text(of: node, skip: ["note"]))
            case "page":  // a presentation slide
                slide += 1
                list.append(.heading(level: 1), "Slide \(slide)")
                stack.append(contentsOf: OfficeXML.children(node).reversed().map { ($0, false) })
            case "notes":  // speaker notes stay in the slide's section, marked as in PPTXReader
                let text = OfficeXML.descendants(node, "p").map { BlockList.collapse(OfficeXML.text(of: $0)) }
                    .filter { !$0.isEmpty }.joined(separator: " ")
                if !text.isEmpty { list.append(.paragraph, "Notes: " + text) }
            case "table":
                if let name = OfficeXML.attribute(node, "name"), isSpreadsheet(root) { list.append(.heading(level: 1), name) }
                for row in OfficeXML.descendants(node, "table-row") {
                    rows += 1
                    if rows > maxRows { break }
                    let cells = OfficeXML.children(row).filter { OfficeXML.name($0) == "table-cell" }
                        .map { BlockList.collapse(OfficeXML.text(of: $0)) }.filter { !$0.isEmpty }
                    if !cells.isEmpty { list.append(.tableRow, cells.joined(separator: " | ")) }
                }
            case "list-item", "list-header":
                stack.append(contentsOf: OfficeXML.children(node).reversed().map { ($0, true) })
            case "tracked-changes", "forms", "annotation", "sequence-decls", "variable-decls", "user-field-decls", "scripts":
                continue
            default:
                stack.append(contentsOf: OfficeXML.children(node).reversed().map { ($0, inList) })
            }
        }
        return (try OfficeLoader.metadataTitle(zip, part: "meta.xml"), list.blocks)
    }

    static func isSpreadsheet(_ root: xmlNodePtr) -> Bool {
        guard let body = OfficeXML.child(root, "body") else { return false }
        return OfficeXML.child(body, "spreadsheet") != nil
    }
}
