/// `rag tune --write`: the best settings stored in `rag.toml` beside the index (or a named file), every other key
/// of the file kept, under a comment naming the evaluation set, the date and the scores.
import Foundation
import RAGCore
import TOMLKit

public enum TuneConfigFile {
    /// The config file of an index: same folder and base name, `.toml` (`Indexes/rag.sqlite` → `Indexes/rag.toml`).
    public static func path(forIndex index: String) -> String {
        ((index as NSString).deletingPathExtension as NSString).appendingPathExtension("toml")!
    }

    /// Writes every tuned setting that has a CLI flag (all of them, not only those that differ from the defaults,
    /// so the file states the tuned point whatever later defaults become) into its section of `path`, keeping the
    /// file's other keys. Settings no flag reads yet are named in the leading comment instead (a key the config
    /// reader does not know would be refused). TOMLKit does not keep comments: the file's old comment lines are
    /// replaced by the new header.
    /// - Returns: the keys written, as `section.key`.
    @discardableResult
    public static func write(_ report: TuneReport, space: SearchSpace, evaluationSet: String, to path: String,
                             date: Date = Date()) throws -> [String] {
        guard let best = report.best.settings else { return [] }
        let table: TOMLTable
        if FileManager.default.fileExists(atPath: path) {
            let text: String
            do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
                throw RAGError(.unreadable, "cannot read \(path): \(error.localizedDescription)")
            }
            do { table = try TOMLTable(string: text) } catch let e as TOMLParseError {
                throw RAGError(.parseError, "\(path):\(e.source.begin.line):\(e.source.begin.column): \(e.description); --write keeps the file's other keys, so it must parse first")
            }
        } else {
            table = TOMLTable()
        }
        var written: [String] = []
        var unflagged: [String] = []
        var sections: [String: TOMLTable] = [:]
        for dim in space.dimensions {
            guard let value = best[dim.key] else { continue }
            guard dim.hasFlag else { unflagged.append("[\(dim.section)] \(dim.key) = \(tomlText(value))"); continue }
            let section = sections[dim.section] ?? table[dim.section]?.table ?? TOMLTable()
            switch value {
            case .text(let s): section[dim.key] = s
            case .integer(let i): section[dim.key] = i
            case .real(let x): section[dim.key] = Double(String(format: "%.6g", x)) ?? x
            }
            sections[dim.section] = section
            written.append("\(dim.section).\(dim.key)")
        }
        for (name, section) in sections.sorted(by: { $0.key < $1.key }) { table[name] = section }

        let day = ISO8601DateFormatter.string(from: date, timeZone: TimeZone(identifier: "UTC")!, formatOptions: [.withFullDate])
        func f(_ x: Double?) -> String { x.map { String(format: "%.4f", $0) } ?? "-" }
        var header = [
            "# rag tune \(day) on \(evaluationSet): \(report.objective), split \(report.split.tuning)/\(report.split.heldBack) seed \(report.split.seed), \(report.trials.count) trials",
            "# tuning part:    defaults \(f(report.defaults.tuning))  best \(f(report.best.tuning))",
            "# held-back part: defaults \(f(report.defaults.heldBack))  best \(f(report.best.heldBack))",
        ]
        if !unflagged.isEmpty {
            header.append("# also tuned, not read from this file yet (no CLI flag): " + unflagged.joined(separator: ", "))
        }
        let text = header.joined(separator: "\n") + "\n\n" + table.convert(to: .toml) + "\n"
        let folder = (path as NSString).deletingLastPathComponent
        guard folder.isEmpty || FileManager.default.fileExists(atPath: folder) else {
            throw RAGError(.notFound, "cannot write \(path): no folder \(folder)")
        }
        do { try text.write(toFile: path, atomically: true, encoding: .utf8) } catch {
            throw RAGError(.permissionDenied, "cannot write \(path): \(error.localizedDescription)")
        }
        return written
    }

    static func tomlText(_ v: SettingValue) -> String {
        if case .text(let s) = v { return "\"\(s)\"" }
        return v.description
    }
}
