/// Loads PDF through poppler-glib: each page's text in reading order under a "p. N" heading, the outline as headings.
import CPoppler
import RAGCore

/// PDF → one `Document`.
///
/// Heading path: every page opens a level-1 heading "p. N", and the outline (bookmarks) entries still open on that
/// page follow as deeper headings, so a chunk's path reads "p. 12 › Results" and citations carry the page.
/// Text: poppler's reading order per page; a word hyphenated at a line end is joined; lines that open or close
/// most pages (running headers, footers, page numbers) are dropped. Title: the metadata title, else the first line.
/// Refused with one clear error: encrypted PDFs (no password is asked for), PDFs with no text layer (scans), and
/// files poppler cannot open.
public struct PDFLoader: DocumentLoader {
    /// Outline levels below this are folded into it; outlines deeper than this are rare and noisy.
    static let maxOutlineDepth = 5
    static let maxOutlineEntries = 10_000

    public init() {}

    public func load(path: String, bytes: [UInt8]) throws -> [Document] {
        try loadResult(path: path, bytes: bytes).documents
    }

    public func loadResult(path: String, bytes: [UInt8]) throws -> LoadResult {
        guard !bytes.isEmpty else { throw RAGError(.emptyFile, path: path, reason: "empty file (0 bytes, no PDF)") }
        let data = bytes.withUnsafeBytes { g_bytes_new($0.baseAddress, gsize($0.count)) }
        defer { g_bytes_unref(data) }
        var error: UnsafeMutablePointer<GError>?
        guard let doc = poppler_document_new_from_bytes(data, nil, &error) else {
            throw Self.openError(error, path: path)
        }
        defer { g_object_unref(UnsafeMutableRawPointer(doc)) }

        let pageCount = Int(poppler_document_get_n_pages(doc))
        guard pageCount > 0 else { throw RAGError(.parseError, path: path, reason: "malformed PDF: no pages") }
        var title = Self.metadataTitle(doc)
        var pages: [[String]] = []
        pages.reserveCapacity(pageCount)
        for i in 0..<pageCount {
            LoadCounter.current?.add(pages: 1, entries: 0)
            guard let page = poppler_document_get_page(doc, Int32(i)) else { pages.append([]); continue }
            defer { g_object_unref(UnsafeMutableRawPointer(page)) }
            guard let text = poppler_page_get_text(page) else { pages.append([]); continue }
            defer { g_free(text) }
            let string = String(cString: text)
            pages.append(Self.lines(string))
            if title == nil && i < 3 && !pages[i].isEmpty { title = Self.largestFontLine(page, text: string) ?? pages[i].first }
        }
        guard pages.contains(where: { !$0.isEmpty }) else {
            throw RAGError(.noTextLayer, path: path,
                              reason: "PDF without a text layer (\(pageCount) page(s) of images, a scan without OCR?): nothing to index")
        }
        pages = Self.droppingRunningLines(pages)
        let outline = Self.outline(doc)
        let blocks = Self.blocks(pages: pages, outline: outline)
        var result = LoadResult(format: .pdf, documents: [Document(path: path, title: title, format: .pdf, blocks: blocks)])
        result.pages = pageCount
        return result
    }

    /// The Info dictionary's title, unless empty or a producer's placeholder ("untitled").
    static func metadataTitle(_ doc: OpaquePointer) -> String? {
        guard let t = poppler_document_get_title(doc) else { return nil }
        defer { g_free(t) }
        let title = BlockList.collapse(String(cString: t))
        return title.isEmpty || title.lowercased() == "untitled" ? nil : title
    }

    /// The text set in the page's largest font, when that is clearly larger (≥ 1.2×) than the body text (the size
    /// covering most characters): the title of a document without metadata. Nil otherwise.
    static func largestFontLine(_ page: OpaquePointer, text: String) -> String? {
        guard let list = poppler_page_get_text_attributes(page) else { return nil }
        defer { poppler_page_free_text_attributes(list) }
        var runs: [(size: Double, start: Int, end: Int)] = []
        var node: UnsafeMutablePointer<GList>? = list
        while let n = node, runs.count < 100_000 {
            if let a = n.pointee.data?.assumingMemoryBound(to: PopplerTextAttributes.self) {
                runs.append((a.pointee.font_size, Int(a.pointee.start_index), Int(a.pointee.end_index)))
            }
            node = n.pointee.next
        }
        var coverage: [Double: Int] = [:]
        for r in runs { coverage[r.size, default: 0] += max(0, r.end - r.start + 1) }
        guard let largest = runs.map(\.size).max(), let body = coverage.max(by: { $0.value < $1.value })?.key,
              largest >= body * 1.2, let first = runs.firstIndex(where: { $0.size == largest }) else { return nil }
        // Attribute offsets count characters of the page text; a title may run over consecutive runs.
        var end = runs[first].end
        var next = first + 1
        while next < runs.count, runs[next].size == largest, runs[next].start <= end + 2 { end = runs[next].end; next += 1 }
        let scalars = Array(text.unicodeScalars)
        let start = runs[first].start
        guard start >= 0, start <= end, end < scalars.count else { return nil }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[start...min(end, start + 300)])
        let title = BlockList.collapse(String(view))
        // A drop cap, a logo letter or a big page number is not a title: ask for a word of three letters or more.
        let hasWord = title.split(separator: " ").contains { $0.filter(\.isLetter).count >= 3 }
        return hasWord ? title : nil
    }

    /// One error per file that poppler cannot open; the GError is freed here.
    static func openError(_ error: UnsafeMutablePointer<GError>?, path: String) -> RAGError {
        guard let error else { return RAGError(.parseError, path: path, reason: "malformed PDF: poppler could not open it") }
        defer { g_error_free(error) }
        let message = error.pointee.message.map { String(cString: $0) } ?? "unknown error"
        if error.pointee.domain == poppler_error_quark() && error.pointee.code == Int32(POPPLER_ERROR_ENCRYPTED.rawValue) {
            return RAGError(.encrypted, path: path, reason: "encrypted PDF: it needs a password, which rag does not ask for (\(message))")
        }
        return RAGError(.parseError, path: path, reason: "malformed PDF: \(message)")
    }

    /// A page's non-empty lines, whitespace collapsed and table-of-contents leader dots shortened.
    static func lines(_ text: String) -> [String] {
        text.split(whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\u{0C}" })
            .map { droppingLeaders(BlockList.collapse(String($0))) }
            .filter { !$0.isEmpty }
    }

    /// ". . . . . . 12" → " … 12": leader dots carry no words but fill chunks (and the encoder's window).
    static func droppingLeaders(_ line: String) -> String {
        guard line.contains("...") || line.contains(". . .") else { return line }
        var out = ""
        var run = ""
        var dots = 0
        func flush() {
            out += dots >= 4 ? " … " : run
            run = ""
            dots = 0
        }
        for c in line {
            if c == "." || (c == " " && !run.isEmpty) {
                run.append(c)
                if c == "." { dots += 1 }
            } else {
                flush()
                out.append(c)
            }
        }
        flush()
        return BlockList.collapse(out)
    }

    // MARK: running headers and footers

    /// Drops lines among the first and last two of a page that recur (digits ignored, so "Page 3 of 9" matches
    /// "Page 4 of 9") on at least 60% of the pages with text, when there are three or more such pages.
    static func droppingRunningLines(_ pages: [[String]]) -> [[String]] {
        let withText = pages.filter { !$0.isEmpty }.count
        guard withText >= 3 else { return pages }
        func edges(_ lines: [String]) -> Set<Int> {
            Set(Array(lines.indices.prefix(2)) + Array(lines.indices.suffix(2)))
        }
        var seen: [String: Int] = [:]
        for lines in pages {
            var keys = Set<String>()
            for i in edges(lines) { keys.insert(runningKey(lines[i])) }
            for k in keys { seen[k, default: 0] += 1 }
        }
        let threshold = max(3, (withText * 6 + 9) / 10)
        let running = Set(seen.filter { $0.value >= threshold }.keys)
        guard !running.isEmpty else { return pages }
        return pages.map { lines in
            let drop = edges(lines).filter { running.contains(runningKey(lines[$0])) }
            return lines.enumerated().filter { !drop.contains($0.offset) }.map(\.element)
        }
    }

    static func runningKey(_ line: String) -> String {
        String(line.lowercased().map { $0.isNumber ? "#" : $0 })
    }

    // MARK: outline

    struct OutlineEntry: Equatable {
        var title: String
        /// 1-based page; nil when the bookmark does not point into the document.
        var page: Int?
        var level: Int
    }

    /// The bookmarks in document order, depth-first.
    static func outline(_ doc: OpaquePointer) -> [OutlineEntry] {
        guard let iter = poppler_index_iter_new(doc) else { return [] }
        defer { poppler_index_iter_free(iter) }
        var out: [OutlineEntry] = []
        walk(iter, level: 1, doc: doc, into: &out)
        return out
    }

    private static func walk(_ iter: OpaquePointer, level: Int, doc: OpaquePointer, into out: inout [OutlineEntry]) {
        repeat {
            guard out.count < maxOutlineEntries else { return }
            if let action = poppler_index_iter_get_action(iter) {
                let title = action.pointee.any.title.map { BlockList.collapse(String(cString: $0)) } ?? ""
                let page = destinationPage(action, doc: doc)
                poppler_action_free(action)
                if !title.isEmpty { out.append(OutlineEntry(title: title, page: page, level: min(level, maxOutlineDepth))) }
            }
            if let child = poppler_index_iter_get_child(iter) {
                walk(child, level: level + 1, doc: doc, into: &out)
                poppler_index_iter_free(child)
            }
        } while poppler_index_iter_next(iter) != 0
    }

    private static func destinationPage(_ action: UnsafeMutablePointer<PopplerAction>, doc: OpaquePointer) -> Int? {
        guard action.pointee.type == POPPLER_ACTION_GOTO_DEST, let dest = action.pointee.goto_dest.dest else { return nil }
        if dest.pointee.type == POPPLER_DEST_NAMED {
            guard let name = dest.pointee.named_dest, let named = poppler_document_find_dest(doc, name) else { return nil }
            defer { poppler_dest_free(named) }
            return named.pointee.page_num > 0 ? Int(named.pointee.page_num) : nil
        }
        return dest.pointee.page_num > 0 ? Int(dest.pointee.page_num) : nil
    }

    // MARK: blocks

    /// Pages and outline → blocks. A bookmark is placed at the line that carries its title on its page (that
    /// line then becomes the heading), else at the top of the page.
    static func blocks(pages: [[String]], outline: [OutlineEntry]) -> [Block] {
        var byPage: [Int: [OutlineEntry]] = [:]
        for e in outline { if let p = e.page, p <= pages.count { byPage[p, default: []].append(e) } }
        var list = BlockList()
        var open: [OutlineEntry] = []
        for (index, lines) in pages.enumerated() {
            let number = index + 1
            list.append(.heading(level: 1), "p. \(number)")
            // The sections still open from earlier pages are restated under the page heading, but only once text
            // comes before this page's first bookmark (else that bookmark may close them).
            var restate = true
            func restateOpen() {
                if restate { for e in open { list.append(.heading(level: e.level + 1), e.title) } }
                restate = false
            }
            var cursor = 0
            var pending: [String] = []
            func flushParagraphs() {
                let texts = Self.paragraphs(pending)
                pending.removeAll()
                guard !texts.isEmpty else { return }
                restateOpen()
                for p in texts { list.append(.paragraph, p) }
            }
            for entry in byPage[number] ?? [] {
                let key = titleKey(entry.title)
                let found = key.isEmpty ? nil : lines[cursor...].firstIndex { titleKey($0).hasPrefix(key) }
                var rest = ""
                if let found {
                    pending.append(contentsOf: lines[cursor..<found])
                    cursor = found + 1
                    // The heading line may run on into text the bookmark title does not hold.
                    rest = remainder(of: lines[found], after: entry.title)
                }
                flushParagraphs()
                while let last = open.last, last.level >= entry.level { open.removeLast() }
                restateOpen()
                open.append(entry)
                list.append(.heading(level: entry.level + 1), entry.title)
                if !rest.isEmpty { pending.append(rest) }
            }
            pending.append(contentsOf: lines[cursor...])
            flushParagraphs()
        }
        return list.blocks
    }

    /// Letters and digits only, lower-cased: bookmark titles and the printed heading differ in spacing and dots.
    static func titleKey(_ s: String) -> String {
        String(s.lowercased().unicodeScalars.filter { $0.properties.isAlphabetic || $0.properties.numericType != nil }.map(Character.init))
    }

    private static func remainder(of line: String, after title: String) -> String {
        var need = titleKey(title).count
        var index = line.startIndex
        while need > 0, index < line.endIndex {
            if !titleKey(String(line[index])).isEmpty { need -= 1 }
            index = line.index(after: index)
        }
        return BlockList.collapse(String(line[index...]))
    }

    /// Lines → paragraphs: a word split by a hyphen at a line end is joined; a paragraph ends after a line that
    /// ends a sentence and stops well short of the longest line (the typical end of a paragraph in set text).
    static func paragraphs(_ lines: [String]) -> [String] {
        guard !lines.isEmpty else { return [] }
        let width = lines.map(\.count).max() ?? 0
        var out: [String] = []
        var current = ""
        for line in lines {
            if current.isEmpty {
                current = line
            } else if current.count >= 2, current.last == "-",
                      current[current.index(current.endIndex, offsetBy: -2)].isLetter,
                      line.first?.isLowercase == true {
                current.removeLast()
                current += line
            } else {
                current += " " + line
            }
            if let last = line.last, ".!?:".contains(last), line.count * 4 < width * 3 {
                out.append(current)
                current = ""
            }
        }
        if !current.isEmpty { out.append(current) }
        return out
    }
}
