/// Turns element start/end and text events into blocks: the one state machine behind the HTML and XML loaders.
import RAGCore

/// The block-building state machine, driven by element start/end and text events: from a tree walk
/// (`TreeExtractor`) or from SAX callbacks (`HTMLSAXExtractor`). Memory is O(nesting depth), no recursion.
struct ExtractorCore {
    struct Output {
        var blocks: [Block]
        /// The text of the first `.title` element outside any section when `titleOutsideBody` (HTML `<title>`).
        var documentTitle: String?
    }

    private struct Context {
        var kind: Block.Kind
        var preformatted = false
        /// A container (div, section, unknown element): loose text in it is a paragraph, but it is not running text.
        var isContainer = false
        var isSection = false
        /// Absorbed block elements (a `p` inside a table cell) only add word boundaries.
        var absorbed = false
        var cells = 0
    }

    /// What each open element did on entry, so its end can undo it.
    private enum Open { case plain, context, title }

    private let titleOutsideBody: Bool
    private var acc = BlockAccumulator()
    private var open: [Open] = []
    private var contexts: [Context] = []
    private var owner = -1  // index in `contexts` of the innermost non-absorbed context
    private var sectionDepth = 0
    /// > 0 inside a skipped element (counts nested elements for event-driven callers).
    private var skipDepth = 0
    private var titleText: BlockAccumulator?
    private var documentTitle: String?

    init(titleOutsideBody: Bool) {
        self.titleOutsideBody = titleOutsideBody
    }

    mutating func finish() -> Output {
        flushPending()
        return Output(blocks: acc.blocks, documentTitle: documentTitle)
    }

    private var ownerKind: Block.Kind { owner >= 0 ? contexts[owner].kind : .paragraph }
    private var ownerIsPre: Bool { owner >= 0 && contexts[owner].preformatted }
    private var ownerIsRunningText: Bool { owner >= 0 && !contexts[owner].isContainer }

    private mutating func flushPending() {
        if !acc.isEmpty { acc.flush(ownerKind, preformatted: ownerIsPre) }
    }

    /// Whether a block of `kind` entering the current owner is absorbed into it as running text.
    private func absorbs(_ kind: Block.Kind) -> Bool {
        guard owner >= 0 else { return false }
        let o = contexts[owner]
        if o.preformatted { return true }
        switch o.kind {
        case .heading: return true
        case .tableRow: return kind != .tableRow
        case .listItem: return kind == .paragraph
        case .paragraph, .code: return false
        }
    }

    private mutating func enterBlock(_ kind: Block.Kind, container: Bool = false, pre: Bool = false, section: Bool = false) {
        open.append(.context)
        if !section && absorbs(kind) {
            if !ownerIsPre { acc.space() }
            contexts.append(Context(kind: kind, absorbed: true))
            return
        }
        flushPending()
        contexts.append(Context(kind: kind, preformatted: pre, isContainer: container, isSection: section))
        owner = contexts.count - 1
        if section { sectionDepth += 1 }
    }

    /// An element starts. Returns whether its content matters (false: skipped, or empty by nature such as `br`);
    /// every call, whatever it returns, must be matched by one `end()`.
    mutating func start(_ role: ElementRole) -> Bool {
        if skipDepth > 0 { skipDepth += 1; return false }
        if titleText != nil { open.append(.plain); return true }
        var role = role
        if role == .generic { role = ownerIsRunningText ? .inline : .container }
        if role == .codeOrInline { role = ownerIsRunningText ? .inline : .preformatted }
        switch role {
        case .skip:
            skipDepth = 1
            return false
        case .inline, .generic, .codeOrInline:
            open.append(.plain)
        case .lineBreak:
            open.append(.plain)
            if ownerIsPre { acc.appendLiteral("\n") } else { acc.space() }
            return false
        case .block(let kind):
            enterBlock(kind)
        case .container:
            enterBlock(.paragraph, container: true)
        case .preformatted:
            enterBlock(.code, pre: true)
        case .cell:
            open.append(.plain)
            if owner >= 0 && contexts[owner].kind == .tableRow && !contexts[owner].preformatted {
                if contexts[owner].cells > 0 { acc.appendLiteral(" | ") }
                contexts[owner].cells += 1
            } else {
                acc.space()
            }
        case .section:
            enterBlock(.paragraph, container: true, section: true)
        case .title:
            if titleOutsideBody && sectionDepth == 0 {
                open.append(.title)
                titleText = BlockAccumulator()
                return true
            }
            enterBlock(.heading(level: min(max(sectionDepth, 1), 6)))
        }
        return true
    }

    /// The innermost open element ends.
    mutating func end() {
        if skipDepth > 0 { skipDepth -= 1; return }
        guard let o = open.popLast() else { return }
        switch o {
        case .plain:
            return
        case .title:
            if documentTitle == nil, let t = titleText?.pendingText, !t.isEmpty { documentTitle = t }
            titleText = nil
        case .context:
            let top = contexts.removeLast()
            if top.absorbed {
                if !ownerIsPre { acc.space() }
                return
            }
            if !acc.isEmpty { acc.flush(top.kind, preformatted: top.preformatted) }
            if top.isSection { sectionDepth -= 1 }
            owner = contexts.lastIndex(where: { !$0.absorbed }) ?? -1
        }
    }

    /// Character data of the current element.
    mutating func text(_ bytes: UnsafePointer<UInt8>, count: Int) {
        if skipDepth > 0 { return }
        if titleText != nil { titleText!.appendNormalized(bytes, count: count); return }
        if ownerIsPre { acc.appendRaw(bytes, count: count) } else { acc.appendNormalized(bytes, count: count) }
    }
}
