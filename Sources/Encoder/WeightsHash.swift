/// The sha256 of a weights file, cached in a sidecar (`.<name>.sha256` holding size, mtime and digest) so that
/// hashing 90 MB happens once per file version rather than once per process.
import Foundation
import RAGCore

enum WeightsHash {
    static func sha256(of file: SafeTensorsFile) -> String {
        let url = URL(fileURLWithPath: file.path)
        let sidecar = url.deletingLastPathComponent().appendingPathComponent("." + url.lastPathComponent + ".sha256")
        let attributes = try? FileManager.default.attributesOfItem(atPath: file.path)
        let size = (attributes?[.size] as? NSNumber)?.intValue ?? -1
        let mtime = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? -1
        let stamp = "\(size) \(mtime)"
        if let cached = try? String(contentsOf: sidecar, encoding: .utf8) {
            let parts = cached.split(separator: "\n")
            if parts.count == 2, parts[0] == stamp, parts[1].count == 64 { return String(parts[1]) }
        }
        let digest = ContentHash.sha256Hex(file.bytes)
        try? "\(stamp)\n\(digest)".write(to: sidecar, atomically: true, encoding: .utf8)
        return digest
    }
}
