/// Loads the zip-of-XML formats (DOCX, PPTX, XLSX, ODT, ODP, ODS, EPUB): opens the archive safely, then the format's reader.
import RAGCore

/// Office and e-book documents → one `Document` each.
///
/// The archive is read through `SafeZipArchive` (zip bombs, `..` paths and encryption are refused), every XML part
/// through `OfficeXML` (libxml2's safe options; a part with a DTD is refused). See each reader for the structure kept.
public struct OfficeLoader: DocumentLoader {
    public let format: DocumentFormat

    public init(format: DocumentFormat) { self.format = format }

    public func load(path: String, bytes: [UInt8]) throws -> [Document] {
        try loadResult(path: path, bytes: bytes).documents
    }

    public func loadResult(path: String, bytes: [UInt8]) throws -> LoadResult {
        guard !bytes.isEmpty else { throw RAGError(.emptyFile, path: path, reason: "empty file (0 bytes, no \(format.rawValue))") }
        let zip = try SafeZipArchive(path: path, bytes: bytes)
        let loaded: (title: String?, blocks: [Block])
        switch format {
        case .docx: loaded = try DOCXReader.read(zip)
        case .pptx: loaded = try PPTXReader.read(zip)
        case .xlsx: loaded = try XLSXReader.read(zip)
        case .odt, .odp, .ods: loaded = try ODFReader.read(zip)
        case .epub: loaded = try EPUBReader.read(zip)
        case .html, .xhtml, .xml, .markdown, .text, .jsonl, .pdf:
            throw RAGError(.unsupportedFormat, path: path, reason: "\(format.rawValue) is not a zip-based format")
        }
        let fallback = loaded.blocks.first { if case .heading = $0.kind { true } else { false } }?.text
        let document = Document(path: path, title: loaded.title ?? fallback, format: format, blocks: loaded.blocks)
        var result = LoadResult(format: format, documents: [document])
        result.entries = zip.entriesRead
        return result
    }

    /// The `dc:title` of a metadata part (OOXML `docProps/core.xml`, ODF `meta.xml`, an EPUB's OPF), if non-empty.
    static func metadataTitle(_ zip: SafeZipArchive, part: String) throws -> String? {
        guard let bytes = try zip.read(part) else { return nil }
        let xml = try OfficeXML(bytes, path: zip.path, part: part)
        guard let root = xml.root, let node = OfficeXML.descendants(root, "title", limit: 1).first else { return nil }
        let title = BlockList.collapse(OfficeXML.text(of: node))
        return title.isEmpty ? nil : title
    }
}
