/// `rag ingest --shards N`: the walked files split by a stable hash of their path, each group ingested into its
/// shard through the normal pipeline, the summaries added up.
import Foundation
import RAGCore
import Store

public enum ShardedIngest {
    /// Creates (or reopens) the shard layout at `index` and ingests `paths` into it; the shards' summaries added up.
    public static func run(paths: [String], index: String, shards: Int, options: IngestOptions, chunker: Chunker,
                    embedder: (any Embedder)?, progress: @escaping (IngestProgress) -> Void) throws -> IngestSummary {
        let manifest = try ShardLayout.create(at: index, count: shards)
        let shardPaths = ShardLayout.shardPaths(index, manifest)
        let walked = FileWalker(followSymlinks: options.followSymlinks).walk(paths)
        var groups = [[String]](repeating: [], count: shards)
        // Paths the walker could not read go to shard 0's run, whose own walk reports them once.
        groups[0] += walked.problems.compactMap(\.path)
        for f in walked.files { groups[ShardLayout.shard(forPath: f.path, count: shards)].append(f.path) }
        var summaries: [IngestSummary] = []
        for (i, group) in groups.enumerated() {
            let store = try IndexStore(path: shardPaths[i])
            // An empty shard still runs, so it records the encoder like its siblings.
            summaries.append(try IngestPipeline(store: store, chunker: chunker, embedder: embedder)
                .run(paths: group, options: options, progress: progress))
        }
        var total = summaries[0]
        for s in summaries.dropFirst() { total.add(s) }
        return total
    }
}
