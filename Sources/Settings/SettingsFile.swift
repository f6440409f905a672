/// A `rag.toml` read with TOMLKit and checked against the settings table: every value typed and in range, each with
/// the line it is on.
import Foundation
import RAGCore
import TOMLKit

public struct SettingsFile: Sendable {
    /// The path as given (messages and `rag config show` name it so).
    public var path: String
    /// Values by setting name (`retrieval.k`), with their 1-based line.
    public var values: [String: (value: SettingValue, line: Int)]

    /// Reads and checks `path`.
    /// - Throws: `not_found` when it cannot be read; `invalid_config` naming the file, line and key for a syntax
    ///   error, an unknown section or key, or a value of the wrong type or out of range.
    public init(path: String) throws {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw RAGError(.notFound, "cannot read config file \(path): \(error.localizedDescription)")
        }
        try self.init(path: path, text: text)
    }

    public init(path: String, text: String) throws {
        self.path = path
        self.values = [:]
        let table: TOMLTable
        do { table = try TOMLTable(string: text) } catch let e as TOMLParseError {
            throw RAGError(.invalidConfig, path: path, line: e.source.begin.line, reason: e.description, underlying: e)
        }
        // TOMLKit keeps no line numbers for nodes, so each key's line is found by scanning the text (see KeyLines).
        let lines = KeyLines(text: text)
        for (sectionName, node) in table {
            guard let section = SettingSection(rawValue: sectionName) else {
                let known = SettingSection.allCases.map { "[\($0.rawValue)]" }.joined(separator: ", ")
                throw RAGError(.invalidConfig, path: path, line: lines.line(section: sectionName, key: nil), reason: "unknown section [\(sectionName)] (known: \(known))")
            }
            guard let entries = node.table else {
                throw RAGError(.invalidConfig, path: path, line: lines.line(section: sectionName, key: nil), reason: "\(sectionName) must be a section ([\(sectionName)]), not a value")
            }
            for (key, raw) in entries {
                let line = lines.line(section: sectionName, key: key)
                guard let definition = Setting.named(section.rawValue, key) else {
                    throw RAGError(.invalidConfig, path: path, line: line, reason: "[\(sectionName)] \(key): unknown key (see `rag config show`)")
                }
                guard let given = Self.value(of: raw), let value = definition.kind.check(given) else {
                    throw RAGError(.invalidConfig, path: path, line: line, reason: "[\(sectionName)] \(key): expected \(definition.kind.expected), got \(Self.shown(raw))")
                }
                values[definition.name] = (value, line)
            }
        }
    }

    static func value(of node: any TOMLValueConvertible) -> SettingValue? {
        switch node.type {
        case .int: node.int.map { .int($0) }
        case .double: node.double.map { .double($0) }
        case .string: node.string.map { .string($0) }
        case .bool: node.bool.map { .bool($0) }
        case .array:
            node.array.flatMap { array in
                let strings = array.compactMap { $0.string }
                return strings.count == array.count ? .strings(strings) : nil
            }
        default: nil
        }
    }

    /// A bad value as the message shows it (strings quoted, as in the file).
    static func shown(_ node: any TOMLValueConvertible) -> String {
        switch node.type {
        case .string: "\"\(node.string ?? "")\""
        case .int: node.int.map(String.init) ?? "?"
        case .double: node.double.map { "\($0)" } ?? "?"
        case .bool: node.bool.map { "\($0)" } ?? "?"
        default: "a \(node.type.rawValue)"
        }
    }

    /// Where each `[section]` header and `key = …` line is: good enough for messages. Handles quoted section and
    /// key names, dotted keys at the top (`retrieval.k = 5`) and inline tables (`retrieval = { k = 5 }`, all on
    /// the line of `retrieval`); keys inside multi-line strings or arrays are not told apart from real ones.
    struct KeyLines {
        var headers: [String: Int] = [:]
        var keys: [String: Int] = [:]

        init(text: String) {
            var section: String?
            for (n, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let line = rawLine.trimmingCharacters(in: .whitespaces)
                if line.isEmpty || line.hasPrefix("#") { continue }
                if line.hasPrefix("[") {
                    guard let close = line.firstIndex(of: "]") else { continue }
                    let name = Self.unquote(String(line[line.index(after: line.startIndex)..<close]).trimmingCharacters(in: CharacterSet(charactersIn: "[] ")))
                    section = name
                    if headers[name] == nil { headers[name] = n + 1 }
                    continue
                }
                guard let eq = line.firstIndex(of: "=") else { continue }
                let parts = Self.dotted(String(line[..<eq]))
                guard !parts.isEmpty else { continue }
                let full = (section.map { [$0] } ?? []) + parts
                if full.count == 1 {
                    if headers[full[0]] == nil { headers[full[0]] = n + 1 }
                    // An inline table: its keys are on this line.
                    let rest = line[line.index(after: eq)...]
                    if rest.trimmingCharacters(in: .whitespaces).hasPrefix("{") {
                        for piece in rest.dropFirst().split(separator: ",") {
                            guard let e = piece.firstIndex(of: "=") else { continue }
                            let key = Self.unquote(String(piece[..<e]).trimmingCharacters(in: CharacterSet(charactersIn: "{ ")))
                            if keys["\(full[0]).\(key)"] == nil { keys["\(full[0]).\(key)"] = n + 1 }
                        }
                    }
                } else {
                    if headers[full[0]] == nil { headers[full[0]] = n + 1 }
                    let name = "\(full[0]).\(full[1...].joined(separator: "."))"
                    if keys[name] == nil { keys[name] = n + 1 }
                }
            }
        }

        /// The key's line, else its section's, else 1.
        func line(section: String, key: String?) -> Int {
            if let key, let n = keys["\(section).\(key)"] { return n }
            return headers[section] ?? 1
        }

        /// `a . "b.c"` → ["a", "b.c"].
        static func dotted(_ s: String) -> [String] {
            var parts: [String] = [], current = "", quote: Character?
            for ch in s {
                if let q = quote {
                    if ch == q { quote = nil } else { current.append(ch) }
                } else if ch == "\"" || ch == "'" {
                    quote = ch
                } else if ch == "." {
                    parts.append(current.trimmingCharacters(in: .whitespaces)); current = ""
                } else {
                    current.append(ch)
                }
            }
            parts.append(current.trimmingCharacters(in: .whitespaces))
            return parts.filter { !$0.isEmpty }
        }

        static func unquote(_ s: String) -> String {
            let t = s.trimmingCharacters(in: .whitespaces)
            if t.count >= 2, let f = t.first, f == t.last, f == "\"" || f == "'" { return String(t.dropFirst().dropLast()) }
            return t
        }
    }
}
