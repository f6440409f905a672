/// The one place that calls libxml2's parsers: process-wide set-up, the safe option sets, and parse errors.
import RAGCore
import CLibXML2

enum LibXML {
    /// `xmlInitParser` once per process, and a null external-entity loader as a second guard behind the options:
    /// whatever a document declares, libxml2 never opens a file or URL on its behalf.
    private static let initialized: Bool = {
        xmlInitParser()
        xmlSetExternalEntityLoader { _, _, _ in nil }
        return true
    }()

    static func initialize() { _ = initialized }

    /// HTML: recover from any breakage, stay silent, never touch the network.
    static let htmlOptions = Int32(HTML_PARSE_RECOVER.rawValue | HTML_PARSE_NOERROR.rawValue
        | HTML_PARSE_NOWARNING.rawValue | HTML_PARSE_NONET.rawValue | HTML_PARSE_COMPACT.rawValue)

    /// XML, the safe recipe: no network, no entity substitution (NOENT), no DTD loading, no XInclude, no HUGE limits.
    /// Without RECOVER an entity loop or a malformed document is refused with an error instead of half-parsed.
    static let xmlOptions = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue
        | XML_PARSE_NOWARNING.rawValue | XML_PARSE_NOCDATA.rawValue | XML_PARSE_COMPACT.rawValue)

    /// libxml2 error code for "Detected an entity reference loop" (billion laughs and friends).
    static let entityLoopCode: Int32 = 89

    struct ParseFailure: Error {
        var code: Int32
        var line: Int?
        var message: String
    }

    /// Parses XML with the safe options; a malformed document or an entity loop throws with libxml2's line and message.
    /// - Parameter recover: build what libxml2 can from a malformed document (still no entity expansion: an entity
    ///   loop then yields a document without the looping text).
    static func parseXML(_ bytes: [UInt8], path: String, recover: Bool = false) throws -> xmlDocPtr {
        initialize()
        guard bytes.count < Int(Int32.max) else {
            throw RAGError(.tooLarge, path: path, reason: "file too large for the XML parser (\(bytes.count) bytes, limit 2 GiB)")
        }
        guard let ctxt = xmlNewParserCtxt() else {
            throw RAGError(.parseError, path: path, reason: "libxml2 could not create an XML parser context")
        }
        defer { xmlFreeParserCtxt(ctxt) }
        let doc = bytes.withUnsafeBufferPointer { p in
            xmlCtxtReadMemory(ctxt, UnsafeRawPointer(p.baseAddress!).assumingMemoryBound(to: CChar.self),
                              Int32(p.count), nil, "UTF-8",
                              recover ? xmlOptions | Int32(XML_PARSE_RECOVER.rawValue) : xmlOptions)
        }
        guard let doc else {
            let f = failure(ctxt.pointee.lastError)
            throw RAGError(.parseError, path: path, line: f.line,
                              reason: "XML parse error (libxml2 code \(f.code)): \(f.message)", underlying: f)
        }
        return doc
    }

    static func failure(_ e: xmlError) -> ParseFailure {
        var message = e.message.map { String(cString: $0) } ?? "unknown error"
        while message.last?.isWhitespace == true { message.removeLast() }
        return ParseFailure(code: e.code, line: e.line > 0 ? Int(e.line) : nil, message: message)
    }
}
