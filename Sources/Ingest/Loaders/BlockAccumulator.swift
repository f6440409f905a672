/// Builds blocks from UTF-8 bytes for the markup loaders: one-pass whitespace normalisation and scalar ranges.
import RAGCore

/// Accumulates one block's text at a time and emits blocks whose ranges index the extracted text, where blocks are
/// joined by "\n\n" (see `Block.range`).
struct BlockAccumulator {
    private(set) var blocks: [Block] = []
    /// The pending block's UTF-8 bytes; never starts or ends with a normalised space.
    private var buffer: [UInt8] = []
    private var pendingSpace = false
    /// Offset in Unicode scalars where the next block starts in the extracted text.
    private var offset = 0

    init() { buffer.reserveCapacity(4096) }

    var isEmpty: Bool { buffer.isEmpty }

    /// Appends `count` UTF-8 bytes, collapsing runs of whitespace (ASCII and U+00A0) into one space.
    mutating func appendNormalized(_ text: UnsafePointer<UInt8>, count: Int) {
        var i = 0
        while i < count {
            let b = text[i]
            if b == 0x20 || b == 0x0A || b == 0x09 || b == 0x0D || b == 0x0C {
                pendingSpace = true
                i += 1
                continue
            }
            if b == 0xC2 && i + 1 < count && text[i + 1] == 0xA0 {
                pendingSpace = true
                i += 2
                continue
            }
            if pendingSpace {
                // After a literal separator (" | ") the boundary is already there.
                if let last = buffer.last, last != 0x20 { buffer.append(0x20) }
                pendingSpace = false
            }
            // Copy the run up to the next whitespace byte in one go.
            var j = i + 1
            while j < count {
                let c = text[j]
                if c == 0x20 || c == 0x0A || c == 0x09 || c == 0x0D || c == 0x0C || c == 0xC2 { break }
                j += 1
            }
            buffer.append(contentsOf: UnsafeBufferPointer(start: text + i, count: j - i))
            i = j
        }
    }

    /// Appends `count` UTF-8 bytes as they are (preformatted text), dropping carriage returns.
    mutating func appendRaw(_ text: UnsafePointer<UInt8>, count: Int) {
        if pendingSpace && !buffer.isEmpty { buffer.append(0x20) }
        pendingSpace = false
        for i in 0..<count where text[i] != 0x0D { buffer.append(text[i]) }
    }

    /// Appends literal bytes (a separator such as " | ") replacing any pending space.
    mutating func appendLiteral(_ text: StaticString) {
        pendingSpace = false
        text.withUTF8Buffer { buffer.append(contentsOf: $0) }
    }

    /// Marks a word boundary: a space is written before the next visible character, if any text precedes it.
    mutating func space() { pendingSpace = true }

    /// The pending text as a string, without emitting it (for titles).
    var pendingText: String { String(decoding: buffer, as: UTF8.self) }

    /// Emits the pending text as a block of `kind` (nothing if it is empty). Preformatted text keeps its
    /// whitespace except leading blank lines and trailing whitespace.
    mutating func flush(_ kind: Block.Kind, preformatted: Bool = false) {
        defer {
            buffer.removeAll(keepingCapacity: true)
            pendingSpace = false
        }
        var start = 0
        var end = buffer.count
        if preformatted {
            while end > 0, isSpace(buffer[end - 1]) { end -= 1 }
            var i = 0
            while i < end, isSpace(buffer[i]) {
                if buffer[i] == 0x0A { start = i + 1 }
                i += 1
            }
        }
        guard start < end else { return }
        let bytes = buffer[start..<end]
        var scalars = 0
        for b in bytes where b & 0xC0 != 0x80 { scalars += 1 }
        blocks.append(Block(kind: kind, text: String(decoding: bytes, as: UTF8.self), range: offset..<(offset + scalars)))
        offset += scalars + 2
    }

    private func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x09 || b == 0x0D || b == 0x0C }
}
