/// Loads plain text: paragraphs split on blank lines, ranges into the source, linear time.
import RAGCore

/// Plain text → one `Document` of paragraphs.
///
/// A paragraph is a run of non-blank lines; its block text is exactly the source between its first and last
/// non-whitespace characters (`text == source[range]`, in Unicode scalars). The title is the first non-empty line
/// when it is at most 120 characters long.
public struct TextLoader: DocumentLoader {
    public static let maxTitleLength = 120

    public init() {}

    public func load(path: String, bytes: [UInt8]) throws -> [Document] {
        [loadDocument(path: path, text: UTF8Repair.string(from: bytes))]
    }

    public func loadDocument(path: String, text: String) -> Document {
        var text = text
        let blocks = text.withUTF8 { Self.paragraphs($0, baseOffset: 0) }
        var title: String?
        if let first = blocks.first {
            let line = first.text.prefix { $0 != "\n" }.trimmingSpaces()
            if !line.isEmpty && line.unicodeScalars.count <= Self.maxTitleLength { title = line }
        }
        return Document(path: path, title: title, format: .text, blocks: blocks)
    }

    /// Paragraph blocks of UTF-8 `bytes`, with ranges offset by `baseOffset` scalars.
    static func paragraphs(_ bytes: UnsafeBufferPointer<UInt8>, baseOffset: Int, kind: Block.Kind = .paragraph) -> [Block] {
        var blocks: [Block] = []
        var scalar = baseOffset  // scalar offset of bytes[i]
        var i = 0
        let n = bytes.count
        // Current paragraph: byte and scalar positions of its first and (end of) last non-space character.
        var paraStartByte = -1, paraStartScalar = 0, paraEndByte = 0, paraEndScalar = 0
        var lineHasText = false
        func emit() {
            if paraStartByte >= 0 {
                let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[paraStartByte..<paraEndByte]), as: UTF8.self)
                blocks.append(Block(kind: kind, text: text, range: paraStartScalar..<paraEndScalar))
            }
            paraStartByte = -1
        }
        while i < n {
            let b = bytes[i]
            if b == 0x0A {
                if !lineHasText { emit() }  // a blank line ends the paragraph
                lineHasText = false
            } else if b != 0x20 && b != 0x09 && b != 0x0D && b != 0x0C && b != 0x0B {
                if paraStartByte < 0 { paraStartByte = i; paraStartScalar = scalar }
                lineHasText = true
                var len = 1
                if b >= 0xF0 { len = 4 } else if b >= 0xE0 { len = 3 } else if b >= 0xC0 { len = 2 }
                i += len
                scalar += 1
                paraEndByte = min(i, n)
                paraEndScalar = scalar
                continue
            }
            i += 1
            scalar += 1
        }
        emit()
        return blocks
    }
}

extension StringProtocol {
    /// Without leading and trailing whitespace and newlines.
    func trimmingSpaces() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        var result = String.UnicodeScalarView()
        result.append(contentsOf: scalars[first...last])
        return String(result)
    }
}
