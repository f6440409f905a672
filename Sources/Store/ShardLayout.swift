/// A sharded index: a folder of N SQLite files plus `manifest.json` recording the layout; each file holds the
/// documents whose path hashes (FNV-1a 64) to it, so re-ingesting a file always lands in the same shard.
import RAGCore
import Foundation

public struct ShardManifest: Codable, Sendable, Equatable {
    public var version: Int = 1
    /// Shard file names, relative to the folder, in shard order.
    public var shards: [String]
    public var hash: String = "fnv1a64(path) mod shards"

    public init(count: Int) { shards = (0..<count).map { "shard-\($0).sqlite" } }
}

public enum ShardLayout {
    public static let manifestName = "manifest.json"

    /// Whether `path` is a sharded index (a folder with a manifest).
    public static func isSharded(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
            && FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent(manifestName))
    }

    /// The shard a document path belongs to: stable across runs and machines.
    public static func shard(forPath path: String, count: Int) -> Int {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in path.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return Int(h % UInt64(max(1, count)))
    }

    /// Creates the folder and manifest for `count` shards, or checks an existing one has the same count.
    public static func create(at dir: String, count: Int) throws -> ShardManifest {
        guard count >= 1 else { throw RAGError(.invalidShards, "--shards must be at least 1, got \(count)") }
        if FileManager.default.fileExists(atPath: (dir as NSString).appendingPathComponent(manifestName)) {
            let existing = try load(at: dir, requireShards: false)
            guard existing.shards.count == count else {
                throw RAGError(.shardMismatch, "sharded index \(dir) has \(existing.shards.count) shards, not \(count): use the same --shards or another --index")
            }
            return existing
        }
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), !isDir.boolValue {
            throw RAGError(.shardMismatch, "\(dir) is a single-file index: give a folder path for a sharded index")
        }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let manifest = ShardManifest(count: count)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(manifest).write(to: URL(fileURLWithPath: (dir as NSString).appendingPathComponent(manifestName)))
        return manifest
    }

    /// Reads the manifest; with `requireShards`, every shard file must exist.
    public static func load(at dir: String, requireShards: Bool = true) throws -> ShardManifest {
        let url = URL(fileURLWithPath: (dir as NSString).appendingPathComponent(manifestName))
        guard let data = try? Data(contentsOf: url),
              let manifest = try? JSONDecoder().decode(ShardManifest.self, from: data), !manifest.shards.isEmpty else {
            throw RAGError(.corruptManifest, "shard manifest \(url.path) is missing or not a valid manifest")
        }
        if requireShards {
            for name in manifest.shards where !FileManager.default.fileExists(atPath: (dir as NSString).appendingPathComponent(name)) {
                throw RAGError(.shardMissing, "shard \((dir as NSString).appendingPathComponent(name)) listed in \(url.path) is missing")
            }
        }
        return manifest
    }

    public static func shardPaths(_ dir: String, _ manifest: ShardManifest) -> [String] {
        manifest.shards.map { (dir as NSString).appendingPathComponent($0) }
    }
}
