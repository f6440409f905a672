/// Reads entries of a zip-based document (DOCX, ODT, EPUB…) with limits that stop zip bombs and path tricks.
import Foundation
import RAGCore
import ZIPFoundation

/// A read-only view of a zip archive held in memory.
///
/// Refused when opened: encrypted entries (general-purpose flag bit 0 in the central directory), an OLE container
/// (how Office stores a password-protected DOCX/XLSX/PPTX), entry names with `..` segments, a leading `/` or `\`,
/// or a drive letter, and more than `maxEntries` entries. Refused while reading: more than `maxTotalBytes` inflated
/// in all, or an entry inflating to more than `maxRatio` times its compressed size once past `ratioFloor` bytes.
/// The byte counts are those actually inflated, never the sizes the headers claim.
final class SafeZipArchive {
    static let maxEntries = 20_000
    static let maxTotalBytes = 512 << 20
    static let maxRatio = 200
    static let ratioFloor = 1 << 20

    let path: String
    private let archive: Archive
    private let entries: [String: Entry]
    /// Names in archive order.
    let names: [String]
    private(set) var inflated = 0
    /// Entries read so far (for the progress line).
    private(set) var entriesRead = 0

    init(path: String, bytes: [UInt8]) throws {
        self.path = path
        if bytes.starts(with: [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
            throw RAGError(.encrypted, path: path, reason: "encrypted office document (a password-protected OLE container), or a legacy binary format: not read")
        }
        guard bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) else {
            throw RAGError(.parseError, path: path, reason: "not a zip archive (no local file header at the start)")
        }
        if let encrypted = Self.firstEncryptedEntry(bytes) {
            throw RAGError(.encrypted, path: path, reason: "encrypted zip entry '\(encrypted)': password-protected documents are not read")
        }
        do {
            archive = try Archive(data: Data(bytes), accessMode: .read)
        } catch {
            throw RAGError(.parseError, path: path, reason: "broken zip archive: \(error)", underlying: error)
        }
        var entries: [String: Entry] = [:]
        var names: [String] = []
        for entry in archive {
            guard names.count < Self.maxEntries else {
                throw RAGError(.unsafeArchive, path: path, reason: "zip archive with more than \(Self.maxEntries) entries: refused")
            }
            let name = entry.path
            if Self.isUnsafe(name) {
                throw RAGError(.unsafeArchive, path: path, reason: "zip entry with an unsafe path '\(name)' (.. or absolute): refused")
            }
            if entries[name] == nil { names.append(name) }
            entries[name] = entry
        }
        self.entries = entries
        self.names = names
    }

    func contains(_ name: String) -> Bool { entries[name] != nil }

    /// The entry's inflated bytes, or nil when there is no such entry.
    /// - Throws: `.unsafeArchive` when a limit is crossed (checked on every inflated buffer), `.parseError` for a
    ///   corrupt entry.
    func read(_ name: String) throws -> [UInt8]? {
        guard let entry = entries[name], entry.type == .file else { return nil }
        var out: [UInt8] = []
        let compressed = max(1, Int(clamping: entry.compressedSize))
        let before = inflated
        do {
            _ = try archive.extract(entry, skipCRC32: false) { data in
                out.append(contentsOf: data)
                if before + out.count > Self.maxTotalBytes {
                    throw RAGError(.unsafeArchive, path: self.path, reason: "zip bomb: entries inflate past \(Self.maxTotalBytes >> 20) MB in all: refused")
                }
                if out.count > Self.ratioFloor && out.count / compressed > Self.maxRatio {
                    throw RAGError(.unsafeArchive, path: self.path, reason: "zip bomb: entry '\(name)' inflates over \(Self.maxRatio) times its compressed size: refused")
                }
            }
        } catch let e as RAGError {
            throw e
        } catch {
            throw RAGError(.parseError, path: path, reason: "corrupt zip entry '\(name)': \(error)", underlying: error)
        }
        inflated = before + out.count
        entriesRead += 1
        LoadCounter.current?.add(pages: 0, entries: 1)
        return out
    }

    /// `..` segments, absolute paths and drive letters would point outside the document if anything followed them.
    static func isUnsafe(_ name: String) -> Bool {
        if name.hasPrefix("/") || name.hasPrefix("\\") { return true }
        let parts = name.split(whereSeparator: { $0 == "/" || $0 == "\\" })
        if parts.contains("..") { return true }
        if let first = parts.first, first.count == 2, first.last == ":" { return true }
        return false
    }

    /// The first entry whose central-directory record has the encryption flag, found by walking the central
    /// directory from the end-of-central-directory record (bounded by the entry count and the buffer).
    static func firstEncryptedEntry(_ b: [UInt8]) -> String? {
        func u16(_ i: Int) -> Int { Int(b[i]) | Int(b[i + 1]) << 8 }
        func u32(_ i: Int) -> Int { u16(i) | u16(i + 2) << 16 }
        guard b.count >= 22 else { return nil }
        var eocd = b.count - 22
        let lowest = max(0, b.count - 22 - 65_535)
        while eocd >= lowest && !(b[eocd] == 0x50 && b[eocd + 1] == 0x4B && b[eocd + 2] == 0x05 && b[eocd + 3] == 0x06) { eocd -= 1 }
        guard eocd >= lowest else { return nil }
        let count = u16(eocd + 10)
        var at = u32(eocd + 16)
        for _ in 0..<count {
            guard at + 46 <= b.count, u32(at) == 0x0201_4B50 else { return nil }
            let flags = u16(at + 8)
            let nameLength = u16(at + 28)
            let next = at + 46 + nameLength + u16(at + 30) + u16(at + 32)
            if flags & 1 != 0 {
                let end = min(b.count, at + 46 + nameLength)
                return String(decoding: b[(at + 46)..<end], as: UTF8.self)
            }
            at = next
        }
        return nil
    }
}
