/// Reads an OOXML relationships part (`_rels/*.rels`): which entry a relationship id or type points at.
struct OOXMLRelationships {
    struct Relationship {
        var id: String
        /// The type URI's last segment ("slide", "notesSlide", "worksheet").
        var type: String
        /// The resolved entry name; nil for external or escaping targets.
        var entry: String?
    }

    var all: [Relationship] = []

    /// The relationships of `part` ("ppt/slides/slide1.xml" → "ppt/slides/_rels/slide1.xml.rels"); empty when absent.
    init(of part: String, in zip: SafeZipArchive) throws {
        let folder = ArchivePath.folder(of: part)
        let file = String(part.dropFirst(folder.isEmpty ? 0 : folder.count + 1))
        let relsName = (folder.isEmpty ? "" : folder + "/") + "_rels/" + file + ".rels"
        guard let bytes = try zip.read(relsName) else { return }
        let xml = try OfficeXML(bytes, path: zip.path, part: relsName)
        guard let root = xml.root else { return }
        for r in OfficeXML.children(root) where OfficeXML.name(r) == "Relationship" {
            let external = OfficeXML.attribute(r, "TargetMode") == "External"
            let target = OfficeXML.attribute(r, "Target") ?? ""
            let type = (OfficeXML.attribute(r, "Type") ?? "").split(separator: "/").last.map(String.init) ?? ""
            all.append(Relationship(id: OfficeXML.attribute(r, "Id") ?? "", type: type,
                                    entry: external ? nil : ArchivePath.resolve(target, from: folder)))
        }
    }

    func entry(id: String) -> String? { all.first { $0.id == id }?.entry }
    func entries(type: String) -> [String] { all.filter { $0.type == type }.compactMap(\.entry) }
}
