/// Reading files: each way a path can fail is one RAGError naming the path.
import RAGCore
import Foundation
import Testing
@testable import Ingest

@Suite struct FileReaderTests {
    let dir: URL

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("reader-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    @Test func readsAFile() throws {
        let f = dir.appendingPathComponent("a.txt")
        try "hello".write(to: f, atomically: true, encoding: .utf8)
        #expect(try FileReader.read(path: f.path) == Array("hello".utf8))
        try? FileManager.default.removeItem(at: dir)
    }

    @Test func missingPathIsNotFound() {
        let p = dir.appendingPathComponent("missing.md").path
        #expect { try FileReader.read(path: p) } throws: { ($0 as? RAGError)?.code.rawValue == "not_found" && "\($0)".contains(p) }
        try? FileManager.default.removeItem(at: dir)
    }

    @Test func symlinkLoopIsUnreadable() throws {
        let a = dir.appendingPathComponent("loop-a.html"), b = dir.appendingPathComponent("loop-b.html")
        try FileManager.default.createSymbolicLink(atPath: a.path, withDestinationPath: b.path)
        try FileManager.default.createSymbolicLink(atPath: b.path, withDestinationPath: a.path)
        #expect { try FileReader.read(path: a.path) } throws: { ($0 as? RAGError)?.code.rawValue == "unreadable" && "\($0)".contains("symlink loop") }
        try? FileManager.default.removeItem(at: dir)
    }

    @Test func directoryIsUnreadable() {
        #expect { try FileReader.read(path: dir.path) } throws: { ($0 as? RAGError)?.code.rawValue == "unreadable" && "\($0)".contains("directory") }
        try? FileManager.default.removeItem(at: dir)
    }

    @Test func permissionDeniedIsUnreadable() throws {
        let f = dir.appendingPathComponent("secret.txt")
        try "x".write(to: f, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: f.path)
        defer { try? FileManager.default.removeItem(at: dir) }
        if getuid() == 0 { return }  // root reads anything; the CLI test covers this as a non-root user if needed
        #expect { try FileReader.read(path: f.path) } throws: { ($0 as? RAGError)?.code.rawValue == "unreadable" }
    }
}
