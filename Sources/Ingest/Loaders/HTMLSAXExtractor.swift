/// Extracts HTML blocks straight from libxml2's SAX events: no tree is built, so no per-node malloc/free.
import CLibXML2
import RAGCore

/// Parses HTML in recover mode (see `LibXML.htmlOptions`) and feeds `ExtractorCore` from the SAX callbacks.
/// Building and freeing libxml2's tree was about half of the HTML loader's time; this path skips it.
enum HTMLSAXExtractor {
    /// The callbacks' state, reached through the parser context's `_private` pointer.
    private final class State {
        var core = ExtractorCore(titleOutsideBody: true)
    }

    /// Runs `body` on the callbacks' state without retain/release traffic (one call per SAX event).
    private static func withState(_ ctx: UnsafeMutableRawPointer?, _ body: (State) -> Void) {
        guard let ctx, let raw = ctx.assumingMemoryBound(to: htmlParserCtxt.self).pointee._private else { return }
        Unmanaged<State>.fromOpaque(raw)._withUnsafeGuaranteedRef(body)
    }

    /// - Throws: `RAGError` `.tooLarge`, or `.parseError` when libxml2 stopped parsing (nesting deeper than 256
    ///   levels) and would silently drop the rest of the file.
    /// - Parameter encoding: "UTF-8" for repaired input; nil lets libxml2 follow the page's `<meta charset>`.
    static func extract(_ bytes: [UInt8], path: String, encoding: String? = "UTF-8") throws -> ExtractorCore.Output {
        LibXML.initialize()
        guard bytes.count < Int(Int32.max) else {
            throw RAGError(.tooLarge, path: path, reason: "file too large for the HTML parser (\(bytes.count) bytes, limit 2 GiB)")
        }
        guard let ctxt = htmlNewParserCtxt(), let sax = ctxt.pointee.sax else {
            throw RAGError(.parseError, path: path, reason: "libxml2 could not create an HTML parser context")
        }
        defer { htmlFreeParserCtxt(ctxt) }
        // Only our callbacks: nothing builds a tree, nothing resolves entities or subsets.
        sax.pointee = htmlSAXHandler()
        sax.pointee.initialized = 1
        sax.pointee.startElement = { ctx, name, atts in
            guard let name else { return }
            let byName = TagKey(name).flatMap { HTMLTags.table[$0] }
            let role = HTMLTags.role(byName: byName, hasAttributes: atts?[0] != nil) { wanted in
                guard let atts else { return nil }
                var i = 0
                while let attName = atts[i] {
                    if TreeExtractor.equals(attName, wanted) { return .some(atts[i + 1]) }
                    i += 2
                }
                return nil
            }
            HTMLSAXExtractor.withState(ctx) { _ = $0.core.start(role) }
        }
        sax.pointee.endElement = { ctx, _ in
            HTMLSAXExtractor.withState(ctx) { $0.core.end() }
        }
        let characters: charactersSAXFunc = { ctx, text, count in
            guard let text, count > 0 else { return }
            HTMLSAXExtractor.withState(ctx) { $0.core.text(text, count: Int(count)) }
        }
        sax.pointee.characters = characters
        sax.pointee.ignorableWhitespace = characters
        sax.pointee.cdataBlock = characters

        let state = State()
        ctxt.pointee._private = Unmanaged.passUnretained(state).toOpaque()
        let doc = withExtendedLifetime(state) {
            bytes.withUnsafeBufferPointer { p in
                htmlCtxtReadMemory(ctxt, UnsafeRawPointer(p.baseAddress!).assumingMemoryBound(to: CChar.self),
                                   Int32(p.count), nil, encoding, LibXML.htmlOptions)
            }
        }
        ctxt.pointee._private = nil
        if let doc { xmlFreeDoc(doc) }
        if ctxt.pointee.disableSAX != 0 {
            let f = LibXML.failure(ctxt.pointee.lastError)
            throw RAGError(.parseError, path: path, line: f.line,
                              reason: "HTML parser stopped (libxml2 code \(f.code)): \(f.message)", underlying: f)
        }
        return state.core.finish()
    }
}
