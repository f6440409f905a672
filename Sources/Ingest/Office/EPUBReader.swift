/// Reads an EPUB: chapters in spine order from the OPF package, each XHTML chapter through the HTML loader.
import CLibXML2
import RAGCore

enum EPUBReader {
    static let maxChapters = 10_000

    static func read(_ zip: SafeZipArchive) throws -> (title: String?, blocks: [Block]) {
        guard let containerBytes = try zip.read("META-INF/container.xml") else {
            throw RAGError(.parseError, path: zip.path, reason: "not an EPUB: no META-INF/container.xml")
        }
        if zip.contains("META-INF/encryption.xml"), let enc = try zip.read("META-INF/encryption.xml"),
           String(decoding: enc, as: UTF8.self).contains("EncryptedData") {
            throw RAGError(.encrypted, path: zip.path, reason: "EPUB with encrypted content (DRM): not read")
        }
        let container = try OfficeXML(containerBytes, path: zip.path, part: "META-INF/container.xml")
        guard let croot = container.root, let rootfile = OfficeXML.descendants(croot, "rootfile", limit: 1).first,
              let opfName = OfficeXML.attribute(rootfile, "full-path").flatMap({ ArchivePath.resolve($0, from: "") }),
              let opfBytes = try zip.read(opfName) else {
            throw RAGError(.parseError, path: zip.path, reason: "EPUB without a readable package (OPF) file")
        }
        let opf = try OfficeXML(opfBytes, path: zip.path, part: opfName)
        guard let root = opf.root else { return (nil, []) }
        let base = ArchivePath.folder(of: opfName)
        var manifest: [String: (href: String, type: String)] = [:]
        for item in OfficeXML.descendants(root, "item") {
            if let id = OfficeXML.attribute(item, "id"), let href = OfficeXML.attribute(item, "href") {
                manifest[id] = (href, OfficeXML.attribute(item, "media-type") ?? "")
            }
        }
        var title: String?
        if let t = OfficeXML.descendants(root, "title", limit: 1).first {
            let text = BlockList.collapse(OfficeXML.text(of: t))
            if !text.isEmpty { title = text }
        }
        var list = BlockList()
        let spine = OfficeXML.descendants(root, "itemref").compactMap { OfficeXML.attribute($0, "idref") }
        for idref in spine.prefix(maxChapters) {
            guard let item = manifest[idref], item.type.contains("html"),
                  let entry = ArchivePath.resolve(item.href, from: base), let bytes = try zip.read(entry) else { continue }
            let chapter = try HTMLLoader().loadDocument(path: zip.path + "#" + entry, bytes: bytes, format: .xhtml)
            list.append(contentsOf: chapter.blocks)
        }
        return (title, list.blocks)
    }
}
