import Foundation
import RAGCore
import Store
import Testing

/// `--encoder openai:URL,…` against real `rag serve` processes as embeddings servers: the pool survives a server
/// killed mid-ingest, and the vectors are the local encoder's.
@Suite(.serialized) struct RemoteEncoderCLITests {
    /// A BEIR corpus of `count` short documents (one chunk each), sentences of the repository's Corpus recombined
    /// by a seeded generator, so every document's text is different.
    static func writeCorpus(_ dir: URL, count: Int) throws -> String {
        let root = CLI.repoRoot.appendingPathComponent("Corpus")
        var sentences: [String] = []
        for case let url as URL in FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)! where ["md", "txt"].contains(url.pathExtension) {
            let text = try String(contentsOf: url, encoding: .utf8)
            for s in text.split(whereSeparator: { ".!?\n".contains($0) }) {
                let t = s.trimmingCharacters(in: .whitespaces)
                if t.split(separator: " ").count >= 5 && !t.contains("`") && !t.hasPrefix("#") && !t.hasPrefix("|") { sentences.append(t + ".") }
            }
        }
        precondition(sentences.count > 50, "too few sentences in Corpus/")
        var rng = SplitMix64(seed: 7)
        var lines: [String] = []
        for i in 0..<count {
            let n = 2 + Int(rng.next() % 4)
            let text = (0..<n).map { _ in sentences[Int(rng.next() % UInt64(sentences.count))] }.joined(separator: " ")
            let doc: [String: Any] = ["_id": "d\(i)", "title": "Note \(i)", "text": text]
            lines.append(String(decoding: try JSONSerialization.data(withJSONObject: doc), as: UTF8.self))
        }
        let path = dir.appendingPathComponent("corpus.jsonl").path
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// An index for the embeddings servers to open (`rag serve` needs one; no vectors needed).
    static func serverIndex(_ dir: URL) throws -> String {
        let path = dir.appendingPathComponent("server.sqlite").path
        let r = try CLI.run(["ingest", CLI.repoRoot.appendingPathComponent("Corpus/faq.md").path, "--index", path, "--no-embed", "--json"])
        precondition(r.status == 0, "server index: \(r.stderr)")
        return path
    }

    /// /v1/embeddings requests a server answered with 200.
    static func embeddingsServed(_ s: ServerProcess) async throws -> Int {
        let text = try await s.get("/metrics").text
        let line = text.split(separator: "\n").first { $0.hasPrefix(#"rag_http_requests_total{route="/v1/embeddings",method="POST",status="200"}"#) }
        return line.flatMap { Int($0.split(separator: " ").last!) } ?? 0
    }

    /// Chunk text → stored vector.
    static func vectors(_ index: String) throws -> [String: [Float]] {
        let store = try IndexStore(path: index, readOnly: true)
        let stmt = try store.db.prepare("SELECT id, heading_path, text FROM chunks")
        var texts: [Int64: String] = [:]
        while try stmt.step() { texts[stmt.int(0)] = stmt.text(1) + "\u{1F}" + stmt.text(2) }
        let vectors = try store.embeddings(chunkIDs: Array(texts.keys))
        var out: [String: [Float]] = [:]
        for (id, text) in texts { out[text] = vectors[id] }
        return out
    }

    static func cosine(_ a: [Float], _ b: [Float]) -> Double {
        var dot = 0.0, na = 0.0, nb = 0.0
        for i in a.indices { dot += Double(a[i] * b[i]); na += Double(a[i] * a[i]); nb += Double(b[i] * b[i]) }
        return dot / (na.squareRoot() * nb.squareRoot())
    }

    @Test func ingestThroughTwoServersSurvivesOneKilledAndMatchesTheLocalEncoder() async throws {
        let dir = try CLI.temporaryDirectory("remote-encoder")
        defer { try? FileManager.default.removeItem(at: dir) }
        let corpus = try Self.writeCorpus(dir, count: 1200)
        let serverIndex = try Self.serverIndex(dir)
        let a = try await ServerProcess.start(["--index", serverIndex, "--threads", "1"])
        defer { a.stop() }
        let b = try await ServerProcess.start(["--index", serverIndex, "--threads", "1"])
        defer { b.stop() }

        let remoteIndex = dir.appendingPathComponent("remote.sqlite").path
        let ingest = try CLI.start(["ingest", corpus, "--index", remoteIndex, "--encoder", "openai:\(a.url),\(b.url)", "--json"])
        // Kill one server once it has answered a few batches, while the ingest still runs.
        let deadline = Date().addingTimeInterval(120)
        while try await Self.embeddingsServed(b) < 4 {
            guard ingest.isRunning, Date() < deadline else { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        let servedBeforeKill = try await Self.embeddingsServed(b)
        let runningAtKill = ingest.isRunning
        b.kill9()
        let r = CLI.finish(ingest)
        #expect(runningAtKill, "the ingest ended before a server could be killed; make the corpus larger")
        #expect(servedBeforeKill >= 4)
        #expect(r.status == 0, "\(r.stderr)")
        let summary = try #require(r.json)
        #expect(summary["chunks"] as? Int == 1200 && summary["embedded"] as? Int == 1200, "\(summary)")
        #expect(try await Self.embeddingsServed(a) >= 1)

        // The same corpus through the local encoder at the servers' precision (fp32: their index has no vectors; a
        // remote ingest's `auto` precision is fp32 too): the same chunks, the same vectors, the same model id.
        let localIndex = dir.appendingPathComponent("local.sqlite").path
        let l = try CLI.run(["ingest", corpus, "--index", localIndex, "--encoder-precision", "fp32", "--json"])
        #expect(l.status == 0, "\(l.stderr)")
        let remote = try Self.vectors(remoteIndex), local = try Self.vectors(localIndex)
        #expect(remote.count == 1200 && Set(remote.keys) == Set(local.keys))
        var worst = 1.0
        for (text, v) in local { worst = min(worst, remote[text].map { Self.cosine($0, v) } ?? 0) }
        #expect(worst >= 0.999, "lowest cosine between remote and local vectors: \(worst)")
        let remoteModel = try IndexStore(path: remoteIndex, readOnly: true).meta("embedding_model")
        let localModel = try IndexStore(path: localIndex, readOnly: true).meta("embedding_model")
        #expect(remoteModel != nil && remoteModel == localModel)

        // The remotely embedded index is searched with the local encoder, and through the remaining server.
        let s = try CLI.run(["search", "How do I fetch the models?", "--index", remoteIndex, "--mode", "dense", "--json"])
        #expect(s.status == 0, "\(s.stderr)")
        let viaServer = try CLI.run(["search", "How do I fetch the models?", "--index", remoteIndex, "--mode", "dense", "--json",
                                     "--encoder", "openai:\(a.url)"])
        #expect(viaServer.status == 0, "\(viaServer.stderr)")
        let ids = { (r: CLI.Result) in (r.json?["results"] as? [[String: Any]])?.compactMap { $0["chunk_id"] as? Int } ?? [] }
        #expect(!ids(s).isEmpty && ids(s) == ids(viaServer))

        // `rag serve --encoder openai:…` embeds its queries through the server that is left.
        let front = try await ServerProcess.start(["--index", remoteIndex, "--threads", "1", "--encoder", "openai:\(a.url)"])
        defer { front.stop() }
        let served = try await front.post("/v1/search", json: ["query": "How do I fetch the models?", "mode": "dense"])
        #expect(served.status == 200, "\(served.text)")
        let servedIDs = (served.json?["results"] as? [[String: Any]])?.compactMap { $0["chunk_id"] as? Int } ?? []
        #expect(servedIDs == ids(s))
        #expect(try await front.get("/metrics").text.contains(#"rag_encoder_backend_healthy{backend="\#(a.url)"} 1"#))
    }

    @Test func unknownOrUncheckableModelsAreRefusedUnlessReembedded() async throws {
        let dir = try CLI.temporaryDirectory("remote-encoder-model")
        defer { try? FileManager.default.removeItem(at: dir) }
        let serverIndex = try Self.serverIndex(dir)
        let a = try await ServerProcess.start(["--index", serverIndex, "--threads", "1"])
        defer { a.stop() }
        let corpus = try Self.writeCorpus(dir, count: 20)
        let index = dir.appendingPathComponent("index.sqlite").path
        #expect(try CLI.run(["ingest", corpus, "--index", index, "--json"]).status == 0)

        // A model the server does not serve: it refuses the probe, a usage error.
        let wrongName = try CLI.run(["ingest", corpus, "--index", index, "--encoder", "openai:\(a.url)", "--encoder-model", "bge-small-en"])
        #expect(wrongName.status == 2 && wrongName.stderr.contains("bge-small-en"), "\(wrongName.status) \(wrongName.stderr)")
        // Without the local encoder's files the server's vectors cannot be checked: refused against an index of
        // local vectors.
        let noModels = dir.appendingPathComponent("no-models").path
        try FileManager.default.createDirectory(atPath: noModels, withIntermediateDirectories: true)
        let unverified = try CLI.run(["search", "models", "--index", index, "--mode", "dense", "--encoder", "openai:\(a.url)"],
                                     modelsDir: noModels)
        #expect(unverified.status == 4 && unverified.stderr.contains("--reembed"), "\(unverified.status) \(unverified.stderr)")

        // With the tokenizer but not the weights, an ingest is refused too, and --reembed replaces the vectors: the
        // index then records the servers' model name, which later runs through servers of that model accept.
        let tokenizerOnly = dir.appendingPathComponent("tokenizer-only").path
        try FileManager.default.createDirectory(atPath: tokenizerOnly + "/minilm", withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: CLI.modelsDir + "/minilm") where name != "model.safetensors" {
            try FileManager.default.createSymbolicLink(atPath: tokenizerOnly + "/minilm/" + name, withDestinationPath: CLI.modelsDir + "/minilm/" + name)
        }
        let refused = try CLI.run(["ingest", corpus, "--index", index, "--encoder", "openai:\(a.url)", "--json"], modelsDir: tokenizerOnly)
        #expect(refused.status == 4 && refused.stderr.contains("--reembed"), "\(refused.status) \(refused.stderr)")
        let replaced = try CLI.run(["ingest", corpus, "--index", index, "--encoder", "openai:\(a.url)", "--reembed", "--json"], modelsDir: tokenizerOnly)
        #expect(replaced.status == 0 && replaced.json?["embedded"] as? Int == 20, "\(replaced.stderr) \(replaced.stdout)")
        #expect(try IndexStore(path: index, readOnly: true).meta("embedding_model") == "openai:all-minilm-l6-v2")
        let local = try CLI.run(["search", "models", "--index", index, "--mode", "dense"])
        #expect(local.status == 4 && local.stderr.contains("--encoder openai:URL"), "\(local.stderr)")
        let remote = try CLI.run(["search", "models", "--index", index, "--mode", "dense", "--encoder", "openai:\(a.url)", "--json"])
        #expect(remote.status == 0 && !((remote.json?["results"] as? [Any]) ?? []).isEmpty, "\(remote.stderr)")

        // A URL list with an empty entry is a usage error before anything runs.
        let bad = try CLI.run(["ingest", corpus, "--index", index, "--encoder", "openai:\(a.url),"])
        #expect(bad.status == 2 && bad.stderr.contains("--encoder"), "\(bad.stderr)")
    }
}
