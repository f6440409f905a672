/// The walker stays inside the folders it was given: links that lead out (or to hidden files) are reported, not read.
import Foundation
import RAGCore
import Testing
@testable import Ingest

@Suite struct FileWalkerTests {
    /// root/docs/{a.md, sub/b.md, .env.md, in.md → sub/b.md, out.txt → ../outside/secret.txt, outdir → ../outside,
    /// hidden.md → .env.md}, root/outside/secret.txt.
    func makeTree() throws -> (root: URL, docs: URL) {
        let fm = FileManager.default
        let root = fm.temporaryDirectory.appendingPathComponent("walker-\(UUID().uuidString)")
        let docs = root.appendingPathComponent("docs"), outside = root.appendingPathComponent("outside")
        try fm.createDirectory(at: docs.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try fm.createDirectory(at: outside, withIntermediateDirectories: true)
        try "a".write(to: docs.appendingPathComponent("a.md"), atomically: true, encoding: .utf8)
        try "b".write(to: docs.appendingPathComponent("sub/b.md"), atomically: true, encoding: .utf8)
        try "KEY=1".write(to: docs.appendingPathComponent(".env.md"), atomically: true, encoding: .utf8)
        try "secret".write(to: outside.appendingPathComponent("secret.txt"), atomically: true, encoding: .utf8)
        try fm.createSymbolicLink(atPath: docs.appendingPathComponent("in.md").path, withDestinationPath: "sub/b.md")
        try fm.createSymbolicLink(atPath: docs.appendingPathComponent("out.txt").path, withDestinationPath: "../outside/secret.txt")
        try fm.createSymbolicLink(atPath: docs.appendingPathComponent("outdir").path, withDestinationPath: "../outside")
        try fm.createSymbolicLink(atPath: docs.appendingPathComponent("hidden.md").path, withDestinationPath: ".env.md")
        return (root, docs)
    }

    @Test func linksLeadingOutOfTheFoldersGivenAreReportedAndNotRead() throws {
        let (root, docs) = try makeTree()
        defer { try? FileManager.default.removeItem(at: root) }
        let walked = FileWalker().walk([docs.path])
        let names = walked.files.map { String($0.path.dropFirst(docs.path.count + 1)) }
        #expect(names == ["a.md", "in.md", "sub/b.md"])
        let skipped = walked.problems.filter { $0.code == .outsideRoots }.map { (($0.path ?? "") as NSString).lastPathComponent }
        #expect(Set(skipped) == ["out.txt", "outdir", "hidden.md"])
        #expect(walked.problems.allSatisfy { $0.message.contains("--follow-symlinks") })
    }

    @Test func followSymlinksReadsWhereTheLinksLead() throws {
        let (root, docs) = try makeTree()
        defer { try? FileManager.default.removeItem(at: root) }
        let walked = FileWalker(followSymlinks: true).walk([docs.path])
        let names = Set(walked.files.map { String($0.path.dropFirst(docs.path.count + 1)) })
        #expect(names.isSuperset(of: ["out.txt", "outdir/secret.txt", "hidden.md"]))
        #expect(walked.problems.isEmpty)
    }

    @Test func aFolderGivenTwiceThroughALinkIsStillInside() throws {
        let (root, docs) = try makeTree()
        defer { try? FileManager.default.removeItem(at: root) }
        // Both folders given: the link into `outside` now stays inside the roots.
        let walked = FileWalker().walk([docs.path, root.appendingPathComponent("outside").path])
        #expect(walked.files.contains { $0.path.hasSuffix("docs/out.txt") })
        #expect(!walked.problems.contains { ($0.path ?? "").hasSuffix("out.txt") })
    }
}
