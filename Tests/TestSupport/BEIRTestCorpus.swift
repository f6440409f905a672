/// A three-document BEIR dataset (corpus, queries, qrels) whose two queries each have one obvious answer, so a
/// working retriever scores nDCG@10 = 1 on it.
import Foundation

public enum BEIRTestCorpus {
    public struct Files: Sendable {
        public var corpus: URL
        public var queries: URL
        public var qrels: URL
    }

    /// corpus.jsonl, queries.jsonl and qrels.tsv in `directory`.
    public static func files(in directory: URL) -> Files {
        Files(corpus: directory.appendingPathComponent("corpus.jsonl"),
              queries: directory.appendingPathComponent("queries.jsonl"),
              qrels: directory.appendingPathComponent("qrels.tsv"))
    }

    /// Writes corpus.jsonl, queries.jsonl and qrels.tsv into `directory`.
    public static func write(to directory: URL) throws -> Files {
        let files = files(in: directory)
        try """
            {"_id": "d1", "title": "Penguins", "text": "Emperor penguins breed in the Antarctic winter."}
            {"_id": "d2", "title": "Camels", "text": "Camels store fat in their humps to survive the desert."}
            {"_id": "d3", "title": "Owls", "text": "Owls hunt at night using silent flight."}

            """.write(to: files.corpus, atomically: true, encoding: .utf8)
        try """
            {"_id": "q1", "text": "where do emperor penguins breed"}
            {"_id": "q2", "text": "how do camels survive the desert"}

            """.write(to: files.queries, atomically: true, encoding: .utf8)
        try "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t1\n".write(to: files.qrels, atomically: true, encoding: .utf8)
        return files
    }
}
