/// `rag bench kernels`: every variant of the hot kernels timed on the real shapes, the per-core int8 peak of each
/// instruction form, each variant's rate as a fraction of the peak of the form it uses, and the choice in force.
import Foundation
import Kernels

public struct KernelBenchmarkReport: Sendable, Codable {
    public struct Row: Sendable, Codable {
        public let family: String
        public let variant: String
        public let bits: Int
        public let shape: String
        public let microseconds: Double
        /// Integer operations per second (a multiply-add counting two), in billions.
        public let gops: Double
        /// `gops` over one core's peak for the instruction form the variant uses (nil for the portable kernel).
        public let fractionOfPeak: Double?
        public let chosen: Bool
    }

    public struct Peak: Sendable, Codable {
        public let form: String
        public let bits: Int
        public let gops: Double
    }

    public let cpu: String
    public let peaks: [Peak]
    public let rows: [Row]
    public let choices: [KernelChoice]
}

public enum KernelBenchmark {
    /// Times everything. `remeasure` also makes a fresh choice (timing again) and rewrites the cache entry.
    public static func run(remeasure: Bool) throws -> KernelBenchmarkReport {
        var choices = KernelSelection.choices
        if remeasure {
            choices = try KernelSelection.choose(environment: ProcessInfo.processInfo.environment["RAG_KERNELS"],
                                                 cacheFile: KernelSelection.cacheFile, remeasure: true)
        } else {
            try KernelSelection.ensureChosen()
        }
        let peaks = KernelSelection.int8Peaks()
        func peak(_ form: String) -> Double? { peaks.first { $0.name == form }?.opsPerSecond }
        var rows: [KernelBenchmarkReport.Row] = []
        for family in KernelFamily.allCases {
            for t in KernelSelection.measure(family) {
                // The byte forms' peaks; the encoder's kernels multiply int16 pairs (vpdpwssd: half the products of
                // vpdpbusd per instruction).
                let form: Double?
                switch (family, t.variant) {
                case (.int8, "vnni512"): form = peak("avx512-vnni vpdpbusd zmm").map { $0 / 2 }
                case (.int8, "vnni256"): form = peak("avx512-vnni vpdpbusd ymm").map { $0 / 2 }
                case (.int8, "avxvnni"): form = peak("avx-vnni vpdpbusd").map { $0 / 2 }
                case (.int8, _): form = nil
                case _ where t.bits == 512: form = peak("avx512-vnni vpdpbusd zmm")
                case (_, let v) where v.hasPrefix("avx512vnni"): form = peak("avx512-vnni vpdpbusd ymm")
                case (_, let v) where v.hasPrefix("avxvnni"): form = peak("avx-vnni vpdpbusd")
                default: form = peak("avx2 vpmaddubsw")
                }
                rows.append(.init(family: family.rawValue, variant: t.variant, bits: t.bits, shape: t.shape,
                                  microseconds: t.seconds * 1e6, gops: t.opsPerSecond / 1e9,
                                  fractionOfPeak: form.map { t.opsPerSecond / $0 },
                                  chosen: choices.contains { $0.family == family.rawValue && $0.variant == t.variant }))
            }
        }
        return KernelBenchmarkReport(cpu: cpuDescription, peaks: peaks.map { .init(form: $0.name, bits: $0.bits, gops: $0.opsPerSecond / 1e9) },
                                     rows: rows, choices: choices)
    }

    /// "AMD EPYC … (cpu family 26, model 2)" from /proc/cpuinfo.
    public static var cpuDescription: String {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown CPU" }
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n").prefix(40) {
            let kv = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if kv.count == 2, fields[kv[0]] == nil { fields[kv[0]] = kv[1] }
        }
        return "\(fields["model name"] ?? "?") (cpu family \(fields["cpu family"] ?? "?"), model \(fields["model"] ?? "?"))"
    }

    /// The report as an aligned table.
    public static func table(_ r: KernelBenchmarkReport) -> String {
        var lines = ["cpu: \(r.cpu)", "", "int8 peak of one core, by instruction form (register-only loop):"]
        for p in r.peaks { lines.append("  \(p.form.padding(toLength: 28, withPad: " ", startingAt: 0)) \(p.bits) bit  \(String(format: "%7.1f", p.gops)) GOP/s") }
        lines.append("")
        lines.append("family   variant                   bits   µs/call    GOP/s  of peak chosen         shape")
        for row in r.rows {
            let source = r.choices.first { $0.family == row.family && $0.variant == row.variant }?.source.rawValue ?? ""
            lines.append([
                row.family.padding(toLength: 8, withPad: " ", startingAt: 0),
                row.variant.padding(toLength: 25, withPad: " ", startingAt: 0),
                String(format: "%4d", row.bits),
                String(format: "%9.1f", row.microseconds),
                String(format: "%8.1f", row.gops),
                row.fractionOfPeak.map { String(format: "%7.0f%%", $0 * 100) } ?? "       -",
                (row.chosen ? "* " + source : "").padding(toLength: 14, withPad: " ", startingAt: 0),
                row.shape,
            ].joined(separator: " "))
        }
        lines.append("")
        lines.append("in force: " + r.choices.map { "\($0.family)=\($0.variant) (\($0.source.rawValue))" }.joined(separator: ", "))
        lines.append("cache: \(KernelSelection.cacheFile?.path ?? "none")  override: RAG_KERNELS=family=variant,…")
        return lines.joined(separator: "\n")
    }
}
