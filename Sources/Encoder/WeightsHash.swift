/// The sha256 of a weights file, cached per user (`$XDG_CACHE_HOME/rag/weights-sha256/`, else `~/.cache/rag/…`)
/// under a key of the file's path, size and mtime, so hashing 90 MB happens once per file version rather than once
/// per process, and model folders (possibly read-only or shared) are never written.
import Foundation
import RAGCore

enum WeightsHash {
    static func sha256(of file: SafeTensorsFile) -> String {
        let attributes = try? FileManager.default.attributesOfItem(atPath: file.path)
        let size = (attributes?[.size] as? NSNumber)?.intValue ?? -1
        let mtime = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? -1
        let absolute = URL(fileURLWithPath: file.path).standardizedFileURL.path
        let key = ContentHash.sha256Hex("\(absolute)\n\(size)\n\(mtime)")
        let cache = cacheDirectory()?.appendingPathComponent(key)
        if let cache, let cached = try? String(contentsOf: cache, encoding: .utf8), cached.count == 64,
           cached.allSatisfy(\.isHexDigit) {
            return cached
        }
        let digest = ContentHash.sha256Hex(file.bytes)
        if let cache {
            try? FileManager.default.createDirectory(at: cache.deletingLastPathComponent(), withIntermediateDirectories: true)
            try? digest.write(to: cache, atomically: true, encoding: .utf8)
        }
        return digest
    }

    static func cacheDirectory() -> URL? {
        let environment = ProcessInfo.processInfo.environment
        let base: URL
        if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty {
            base = URL(fileURLWithPath: xdg)
        } else if let home = environment["HOME"], !home.isEmpty {
            base = URL(fileURLWithPath: home).appendingPathComponent(".cache")
        } else {
            return nil
        }
        return base.appendingPathComponent("rag/weights-sha256")
    }
}
