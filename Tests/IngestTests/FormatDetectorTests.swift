/// Format detection, binary refusal, empty files and UTF-8 repair.
import Foundation
import RAGCore
import Testing
@testable import Ingest

@Suite struct FormatDetectorTests {
    @Test(arguments: [
        ("a.html", DocumentFormat.html), ("a.HTM", .html), ("a.xhtml", .xhtml), ("a.xml", .xml), ("a.md", .markdown),
        ("a.markdown", .markdown), ("a.txt", .text), ("a.rst", .text), ("README", .text), ("a.jsonl", .jsonl),
    ])
    func extensionDecides(path: String, format: DocumentFormat) throws {
        #expect(try FormatDetector.detect(path: path, bytes: Array("hello".utf8)) == format)
    }

    @Test(arguments: [
        ("  <!DOCTYPE html><p>x", DocumentFormat.html), ("<HTML><body>x", .html), ("<?xml version=\"1.0\"?><r/>", .xml),
        ("{\"_id\": \"1\", \"text\": \"x\"}", .jsonl), ("\u{FEFF}<html>", .html),
    ])
    func unknownExtensionIsSniffed(content: String, format: DocumentFormat) throws {
        #expect(try FormatDetector.detect(path: "file.data", bytes: Array(content.utf8)) == format)
    }

    @Test func unknownExtensionAndUnknownContentIsUnsupported() {
        #expect { try FormatDetector.detect(path: "x.py", bytes: Array("print(1)".utf8)) } throws: {
            ($0 as? RAGError)?.code == .unsupportedFormat
        }
    }

    @Test func pngNamedHTMLIsABinaryFileError() throws {
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52]
            + Array(repeating: 7, count: 200)
        #expect {
            try DocumentLoading.load(path: "/tmp/logo.html", bytes: png)
        } throws: { error in
            guard let e = error as? RAGError else { return false }
            return e.code.rawValue == "binary_file" && e.message.contains("/tmp/logo.html") && e.message.contains("binary")
        }
    }

    @Test func mostlyControlBytesIsBinary() {
        #expect(FormatDetector.binaryReason(Array(repeating: UInt8(1), count: 100) + Array("text".utf8)) != nil)
        #expect(FormatDetector.binaryReason(Array("plain\ttext\r\n".utf8)) == nil)
    }

    @Test(arguments: ["", "  \n\t\n", "\u{FEFF}"])
    func emptyOrBlankFileIsAnEmptyFileError(content: String) {
        #expect {
            try DocumentLoading.load(path: "empty.md", bytes: Array(content.utf8))
        } throws: { ($0 as? RAGError)?.code.rawValue == "empty_file" && "\($0)".contains("empty.md") }
    }

    @Test func invalidUTF8IsRepairedWithReplacementCharacters() throws {
        let bytes: [UInt8] = Array("caf".utf8) + [0xE9] + Array(" ok ".utf8) + [0xFF, 0xC3] + Array("\n\nnext".utf8)
        for path in ["bad.txt", "bad.html", "bad.md"] {
            let doc = try DocumentLoading.load(path: path, bytes: bytes).documents[0]
            #expect(doc.blocks.first?.text.hasPrefix("caf\u{FFFD} ok \u{FFFD}") == true, "\(path)")
        }
    }

    @Test func bomsAreStripped() {
        #expect(UTF8Repair.string(from: [0xEF, 0xBB, 0xBF] + Array("hi".utf8)) == "hi")
        #expect(UTF8Repair.string(from: [0xFF, 0xFE, 0x68, 0, 0x69, 0]) == "hi")
        #expect(UTF8Repair.string(from: [0xFE, 0xFF, 0, 0x68, 0, 0x69]) == "hi")
    }

    @Test func validatorAgreesWithStandardLibrary() {
        let samples: [[UInt8]] = [[0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], Array("ok é 日".utf8), [0xF0, 0x9F, 0x98, 0x80]]
        for s in samples {
            #expect(UTF8Repair.isValidUTF8(s) == (String(validating: s, as: UTF8.self) != nil), "\(s)")
        }
    }
}
