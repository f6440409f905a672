/// Reads a PowerPoint deck (PPTX): one section per slide in presentation order, its title as heading, speaker notes included ("Notes: …").
import CLibXML2
import RAGCore

enum PPTXReader {
    static let maxSlides = 5_000

    static func read(_ zip: SafeZipArchive) throws -> (title: String?, blocks: [Block]) {
        let slides = try slideOrder(zip)
        guard !slides.isEmpty else {
            throw RAGError(.parseError, path: zip.path, reason: "not a PowerPoint deck: no slides")
        }
        var list = BlockList()
        for (index, slide) in slides.prefix(maxSlides).enumerated() {
            guard let bytes = try zip.read(slide) else { continue }
            let xml = try OfficeXML(bytes, path: zip.path, part: slide)
            guard let root = xml.root else { continue }
            list.append(.heading(level: 1), "Slide \(index + 1)")
            var body: [String] = []
            for shape in OfficeXML.descendants(root, "sp") {
                let paragraphs = OfficeXML.descendants(shape, "p").map { BlockList.collapse(OfficeXML.text(of: $0)) }.filter { !$0.isEmpty }
                if isTitle(shape) {
                    list.append(.heading(level: 2), paragraphs.joined(separator: " "))
                } else {
                    body.append(contentsOf: paragraphs)
                }
            }
            for p in body { list.append(.paragraph, p) }
            for table in OfficeXML.descendants(root, "tbl") {
                for row in OfficeXML.descendants(table, "tr") {
                    let cells = OfficeXML.descendants(row, "tc").map { BlockList.collapse(OfficeXML.text(of: $0)) }
                    list.append(.tableRow, cells.joined(separator: " | "))
                }
            }
            let notes = try OOXMLRelationships(of: slide, in: zip).entries(type: "notesSlide")
            if let notesPart = notes.first, let nb = try zip.read(notesPart) {
                let nx = try OfficeXML(nb, path: zip.path, part: notesPart)
                if let nroot = nx.root {
                    let texts = OfficeXML.descendants(nroot, "sp").filter { placeholderType($0) == "body" }
                        .flatMap { OfficeXML.descendants($0, "p") }.map { BlockList.collapse(OfficeXML.text(of: $0)) }
                        .filter { !$0.isEmpty }
                    // Notes stay in the slide's section (a "Notes" heading would make the chunker fold a short
                    // slide body into it); the prefix tells a reader where the words come from.
                    for (i, t) in texts.enumerated() { list.append(.paragraph, i == 0 ? "Notes: " + t : t) }
                }
            }
        }
        return (try OfficeLoader.metadataTitle(zip, part: "docProps/core.xml"), list.blocks)
    }

    /// Slides in the order of `p:sldIdLst`, else by their file number.
    static func slideOrder(_ zip: SafeZipArchive) throws -> [String] {
        let rels = try OOXMLRelationships(of: "ppt/presentation.xml", in: zip)
        if let bytes = try zip.read("ppt/presentation.xml") {
            let xml = try OfficeXML(bytes, path: zip.path, part: "ppt/presentation.xml")
            if let root = xml.root, let list = OfficeXML.descendants(root, "sldIdLst", limit: 1).first {
                let ordered = OfficeXML.children(list).compactMap { OfficeXML.attribute($0, "id", namespaced: true).flatMap(rels.entry(id:)) }
                    .filter(zip.contains)
                if !ordered.isEmpty { return ordered }
            }
        }
        func number(_ name: String) -> Int { Int(name.dropFirst("ppt/slides/slide".count).dropLast(".xml".count)) ?? Int.max }
        return zip.names.filter { $0.hasPrefix("ppt/slides/slide") && $0.hasSuffix(".xml") }.sorted { number($0) < number($1) }
    }

    static func placeholderType(_ shape: xmlNodePtr) -> String? {
        guard let ph = OfficeXML.descendants(shape, "ph", limit: 1).first else { return nil }
        return OfficeXML.attribute(ph, "type") ?? "body"
    }

    static func isTitle(_ shape: xmlNodePtr) -> Bool {
        let t = placeholderType(shape)
        return t == "title" || t == "ctrTitle"
    }
}
