/// Replaces personal data in document text with typed placeholders ([EMAIL], [CARD], …) before chunking.
import Foundation
import RAGCore

/// Finds personal data of the chosen kinds with one combined regular expression (one scan per block) and keeps
/// only matches that pass their kind's check (`RedactionChecks`): Luhn and card brand, IBAN mod-97, digit counts,
/// reserved addresses, entropy. Blocks that `RedactionPrefilter` clears skip the regular expression.
public final class Redactor: @unchecked Sendable {  // immutable after init; NSRegularExpression matching is thread-safe
    public let kinds: Set<RedactionKind>
    /// One combined expression per set of triggers, holding only the patterns those triggers can start.
    private let expressions: [UInt8: Expression]

    private struct Expression {
        let regex: NSRegularExpression
        /// Capture group → what it finds.
        let groups: [(group: Int, kind: RedactionKind, check: @Sendable (String) -> Bool)]
    }

    /// Alternatives in priority order: a private-key block and known token formats before anything that could
    /// match inside them; IBANs before cards, cards before phone numbers, IPs before phone numbers.
    private typealias Triggers = RedactionPrefilter.Triggers
    private static let patterns: [(kind: RedactionKind, triggers: Triggers, pattern: String, check: @Sendable (String) -> Bool)] = [
        (.secret, .dashes, #"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]{0,16384}?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"#, { _ in true }),
        (.secret, .token, #"\b(?:(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}|gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255}|xox[abprs]-[A-Za-z0-9-]{10,250}|(?:sk|rk)_live_[A-Za-z0-9]{20,250}|glpat-[A-Za-z0-9_-]{20,250})\b"#, { _ in true }),
        (.secret, .token, #"(?i:\bbearer)\s+[A-Za-z0-9\-._~+/]{20,4096}=*"#, { _ in true }),
        (.email, .at, #"\b[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*\.[A-Za-z]{2,24}\b"#, { _ in true }),
        (.iban, [.digits, .token], #"\b[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b"#, RedactionChecks.isIBAN),
        (.card, .digits, #"(?<![0-9.,/-])(?:[0-9][ -]?){12,18}[0-9](?![0-9]|[.,/-][0-9])"#, RedactionChecks.isCard),
        (.ip, .digits, #"(?<![0-9A-Za-z.])(?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(?![0-9]|\.[0-9])"#, RedactionChecks.isIPv4),
        (.ip, .digits, #"(?<![0-9A-Za-z:])(?:(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}|(?:[0-9A-Fa-f]{1,4}:){1,6}:(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,5})?)(?![0-9A-Za-z:])"#, RedactionChecks.isIPv6),
        (.phone, .digits, #"(?<![0-9A-Za-z+])(?:\+[1-9][0-9]{0,2}(?:[ .-]?\(?[0-9]{1,4}\)?){2,5}|\(?[0-9]{3}\)?[ .-][0-9]{3}[ .-][0-9]{4})(?![0-9])"#, RedactionChecks.isPhone),
        (.secret, .token, #"(?<![A-Za-z0-9+/_=-])[A-Za-z0-9+/_-]{32,1024}={0,2}(?![A-Za-z0-9+/_=-])"#, RedactionChecks.isHighEntropy),
    ]

    /// - Parameter kinds: what to redact; empty redacts nothing (and costs nothing).
    public init(kinds: Set<RedactionKind>) {
        self.kinds = kinds
        var expressions: [UInt8: Expression] = [:]
        for mask in 1...Triggers.all.rawValue {
            let triggers = Triggers(rawValue: mask)
            let all = triggers.contains(.dashes)
            let chosen = Self.patterns.filter { kinds.contains($0.kind) && (all || !$0.triggers.isDisjoint(with: triggers)) }
            guard !chosen.isEmpty else { continue }
            // The patterns are constants tested in RedactorTests; a failure here is a programming error.
            let regex = try! NSRegularExpression(pattern: chosen.map { "(\($0.pattern))" }.joined(separator: "|"))
            expressions[mask] = Expression(regex: regex,
                                           groups: chosen.enumerated().map { (group: $0.offset + 1, kind: $0.element.kind, check: $0.element.check) })
        }
        self.expressions = expressions
    }

    /// `text` with every match replaced by its placeholder; `counts` gains one per replacement.
    public func redact(_ text: String, counts: inout [RedactionKind: Int]) -> String {
        guard !expressions.isEmpty else { return text }
        let windows = RedactionPrefilter.candidateWindows(text)
        guard !windows.isEmpty else { return text }
        let bytes = Array(text.utf8)
        if windows.count == 1 && windows[0].range == 0..<bytes.count {
            return redactAll(text, triggers: windows[0].triggers, counts: &counts)
        }
        var out: [UInt8] = []
        var last = 0
        for w in windows {
            let window = String(decoding: bytes[w.range], as: UTF8.self)
            let replaced = redactAll(window, triggers: w.triggers, counts: &counts)
            guard replaced != window else { continue }
            out.append(contentsOf: bytes[last..<w.range.lowerBound])
            out.append(contentsOf: replaced.utf8)
            last = w.range.upperBound
        }
        guard last > 0 else { return text }
        out.append(contentsOf: bytes[last...])
        return String(decoding: out, as: UTF8.self)
    }

    /// The expression for `triggers` over all of `text`.
    private func redactAll(_ text: String, triggers: Triggers, counts: inout [RedactionKind: Int]) -> String {
        guard let expression = expressions[triggers.rawValue] else { return text }
        let regex = expression.regex, groups = expression.groups
        let ns = text as NSString
        var out = ""
        var last = 0
        var changed = false
        for match in regex.matches(in: text, range: NSRange(location: 0, length: ns.length)) {
            guard let g = groups.first(where: { match.range(at: $0.group).location != NSNotFound }) else { continue }
            let range = match.range(at: g.group)
            let found = ns.substring(with: range)
            guard g.check(found) else { continue }
            out += ns.substring(with: NSRange(location: last, length: range.location - last))
            out += g.kind.placeholder
            last = range.location + range.length
            counts[g.kind, default: 0] += 1
            changed = true
        }
        guard changed else { return text }
        out += ns.substring(from: last)
        return out
    }

    /// The document with its title and every block redacted. Block ranges still point at the original text.
    public func redact(_ document: Document, counts: inout [RedactionKind: Int]) -> Document {
        guard !expressions.isEmpty else { return document }
        var doc = document
        doc.title = doc.title.map { redact($0, counts: &counts) }
        for i in doc.blocks.indices { doc.blocks[i].text = redact(doc.blocks[i].text, counts: &counts) }
        return doc
    }
}
