/// Reads an Excel workbook (XLSX): one section per sheet under its name, each row as a line of cells.
import CLibXML2
import RAGCore

enum XLSXReader {
    static let maxRowsPerSheet = 100_000
    static let maxSheets = 1_000

    static func read(_ zip: SafeZipArchive) throws -> (title: String?, blocks: [Block]) {
        guard let bytes = try zip.read("xl/workbook.xml") else {
            throw RAGError(.parseError, path: zip.path, reason: "not an Excel workbook: no xl/workbook.xml")
        }
        let shared = try sharedStrings(zip)
        let rels = try OOXMLRelationships(of: "xl/workbook.xml", in: zip)
        let workbook = try OfficeXML(bytes, path: zip.path, part: "xl/workbook.xml")
        var list = BlockList()
        guard let root = workbook.root else { return (nil, []) }
        for sheet in OfficeXML.descendants(root, "sheet").prefix(maxSheets) {
            guard let id = OfficeXML.attribute(sheet, "id", namespaced: true), let part = rels.entry(id: id),
                  let sheetBytes = try zip.read(part) else { continue }
            list.append(.heading(level: 1), OfficeXML.attribute(sheet, "name") ?? "Sheet")
            let xml = try OfficeXML(sheetBytes, path: zip.path, part: part)
            guard let sroot = xml.root, let data = OfficeXML.child(sroot, "sheetData") else { continue }
            for row in OfficeXML.children(data).prefix(maxRowsPerSheet) where OfficeXML.name(row) == "row" {
                let cells = OfficeXML.children(row).filter { OfficeXML.name($0) == "c" }.map { value(of: $0, shared: shared) }
                    .filter { !$0.isEmpty }
                if !cells.isEmpty { list.append(.tableRow, cells.joined(separator: " | ")) }
            }
        }
        return (try OfficeLoader.metadataTitle(zip, part: "docProps/core.xml"), list.blocks)
    }

    /// A cell's text: a shared string (`t="s"`), an inline string, else its stored value.
    static func value(of cell: xmlNodePtr, shared: [String]) -> String {
        switch OfficeXML.attribute(cell, "t") {
        case "s":
            guard let v = OfficeXML.child(cell, "v"), let i = Int(BlockList.collapse(OfficeXML.text(of: v))),
                  shared.indices.contains(i) else { return "" }
            return shared[i]
        case "inlineStr":
            return OfficeXML.child(cell, "is").map { BlockList.collapse(OfficeXML.text(of: $0)) } ?? ""
        default:
            return OfficeXML.child(cell, "v").map { BlockList.collapse(OfficeXML.text(of: $0)) } ?? ""
        }
    }

    static func sharedStrings(_ zip: SafeZipArchive) throws -> [String] {
        guard let bytes = try zip.read("xl/sharedStrings.xml") else { return [] }
        let xml = try OfficeXML(bytes, path: zip.path, part: "xl/sharedStrings.xml")
        guard let root = xml.root else { return [] }
        // Phonetic runs (rPh) repeat the reading of East Asian text; they are not the cell's text.
        return OfficeXML.children(root).filter { OfficeXML.name($0) == "si" }
            .map { BlockList.collapse(OfficeXML.text(of: $0, skip: ["rPh"])) }
    }
}
