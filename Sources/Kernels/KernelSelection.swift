/// Kernels chosen by measurement, not by CPU flags.
///
/// The hot kernels come in variants that give bit-identical results but suit different CPUs: the generator's decode
/// row kernels and prefill GEMM in AVX2, AVX-VNNI and AVX-512 VNNI forms (256-bit registers) and, for prefill, two
/// tile shapes; the encoder's integer GEMM on 512-bit or 256-bit registers. Which is fastest depends on more than
/// the flags: Zen 5 runs 512-bit instructions at full width, Zen 4 as two 256-bit halves, and a tile that fits 32
/// registers spills with 16. So at first use on a machine every available variant is timed on the real shapes for
/// a few milliseconds (alternating, best of several rounds), the fastest is used, and the choice is cached per CPU
/// model and binary (`~/.cache/rag/kernels.json`, or `$XDG_CACHE_HOME/rag/`). `RAG_KERNELS=decode=avx2,
/// prefill=avx512vnni-4x4,int8=vnni256` overrides any subset; `rag bench kernels` prints the table.
import CInt8Gemm
import CQuantKernels
import Foundation
import RAGCore

public enum KernelFamily: String, CaseIterable, Sendable, Codable {
    /// The generator's matrix–vector row kernels (one token).
    case decode
    /// The generator's matrix–matrix kernel (prompt processing, batched decode).
    case prefill
    /// The encoder's integer GEMM.
    case int8

    /// The variants of this family the CPU runs.
    public var available: [KernelVariant] {
        KernelVariant.all.filter { $0.family == self && $0.isAvailable }
    }
}

/// One variant of a kernel family: an instruction set and, for the prefill GEMM, a tile shape.
public struct KernelVariant: Sendable, Hashable, CustomStringConvertible {
    public let family: KernelFamily
    /// The name used in `RAG_KERNELS`, the cache and `rag bench kernels`.
    public let name: String
    /// Register width in bits.
    public let bits: Int
    /// CQuantKernels' instruction-set bit (decode, prefill) or CInt8Gemm's variant bit (int8).
    let code: Int32
    /// Prefill tile: 0 = 2 rows × 4 tokens, 1 = 4 rows × 4 tokens, 2 = 4 × 4 on 512-bit registers, 3 = the same with row pairs, 4 = 4 × 4 with the scales
    /// converted as vectors.
    let tile: Int32

    public var description: String { "\(family.rawValue)=\(name)" }

    public static let all: [KernelVariant] = {
        var out: [KernelVariant] = []
        for (isa, code) in [("avx2", Int32(1)), ("avxvnni", 2), ("avx512vnni", 4)] {
            out.append(KernelVariant(family: .decode, name: isa, bits: 256, code: code, tile: 0))
        }
        for (isa, code) in [("avx2", Int32(1)), ("avxvnni", 2), ("avx512vnni", 4)] {
            for (tileName, tile) in [("2x4", Int32(0)), ("4x4", 1), ("4x4-vscales", 4)] {
                out.append(KernelVariant(family: .prefill, name: "\(isa)-\(tileName)", bits: 256, code: code, tile: tile))
            }
        }
        out.append(KernelVariant(family: .prefill, name: "avx512vnni-4x4-zmm", bits: 512, code: 4, tile: 2))
        out.append(KernelVariant(family: .prefill, name: "avx512vnni-4x4-zmm-pairs", bits: 512, code: 4, tile: 3))
        out.append(KernelVariant(family: .int8, name: "vnni512", bits: 512, code: RAG_I16_VNNI512, tile: 0))
        out.append(KernelVariant(family: .int8, name: "vnni256", bits: 256, code: RAG_I16_VNNI256, tile: 0))
        out.append(KernelVariant(family: .int8, name: "avxvnni", bits: 256, code: RAG_I16_AVXVNNI, tile: 0))
        out.append(KernelVariant(family: .int8, name: "portable", bits: 0, code: RAG_I16_PORTABLE, tile: 0))
        return out
    }()

    public static func named(_ name: String, in family: KernelFamily) -> KernelVariant? {
        all.first { $0.family == family && $0.name == name }
    }

    public var isAvailable: Bool {
        switch family {
        case .decode, .prefill: rag_quant_kernels_variants() & code != 0
        case .int8: rag_i16_gemm_variants() & code != 0
        }
    }

    /// Makes this variant the one its family's kernels use.
    @discardableResult
    public func use() -> Bool {
        switch family {
        case .decode: rag_quant_kernels_use_variant(code) != 0
        case .prefill: rag_quant_gemm_use_variant(code, tile) != 0
        case .int8: rag_i16_gemm_use_variant(code) != 0
        }
    }

    /// The variant each family uses now.
    public static func current(_ family: KernelFamily) -> KernelVariant? {
        switch family {
        case .decode:
            let c = rag_quant_kernels_variant()
            return all.first { $0.family == .decode && $0.code == c }
        case .prefill:
            let v = rag_quant_gemm_variant()
            return all.first { $0.family == .prefill && $0.code == v & 0xFF && $0.tile == v >> 8 }
        case .int8:
            let c = rag_i16_gemm_variant()
            return all.first { $0.family == .int8 && $0.code == c }
        }
    }
}

/// One timed variant: the best time per call of several rounds on the family's shape.
public struct KernelTiming: Sendable, Codable {
    public let family: String
    public let variant: String
    public let bits: Int
    public let shape: String
    public let seconds: Double
    /// Integer operations per second (a multiply-add counts two).
    public let opsPerSecond: Double
}

/// Where a family's choice came from.
public enum KernelChoiceSource: String, Sendable, Codable {
    case measured, cache, environment = "RAG_KERNELS", onlyOne = "only variant"
}

public struct KernelChoice: Sendable, Codable {
    public var family: String
    public var variant: String
    public var source: KernelChoiceSource
}

public enum KernelSelection {
    /// Bumped whenever a kernel variant changes, so cached choices of older kernels are not reused.
    static let kernelSetVersion = 1

    /// The families' choices, made once per process (first use times or reads the cache; later uses are free).
    /// Throws `invalid_parameter` for a bad `RAG_KERNELS`.
    public static func ensureChosen() throws {
        if let error = chosen.error { throw error }
    }

    /// The choice per family, made once per process.
    public static var choices: [KernelChoice] { chosen.choices }

    private static let chosen: (choices: [KernelChoice], error: RAGError?) = {
        do {
            let choices = try choose(environment: ProcessInfo.processInfo.environment["RAG_KERNELS"],
                                     cacheFile: cacheFile, remeasure: false)
            return (choices, nil)
        } catch let e as RAGError {
            return ([], e)
        } catch {
            return ([], RAGError(.invalidParameter, "RAG_KERNELS: \(error)"))
        }
    }()

    /// Parses `RAG_KERNELS` ("family=variant,…").
    public static func parseOverrides(_ text: String) throws -> [KernelFamily: KernelVariant] {
        var out: [KernelFamily: KernelVariant] = [:]
        for item in text.split(separator: ",") {
            let parts = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, let family = KernelFamily(rawValue: parts[0]) else {
                throw RAGError(.invalidParameter, "RAG_KERNELS: \"\(item)\" is not family=variant (families: \(KernelFamily.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            guard let v = KernelVariant.named(parts[1], in: family) else {
                throw RAGError(.invalidParameter, "RAG_KERNELS: no \(family.rawValue) variant \"\(parts[1])\" (variants: \(KernelVariant.all.filter { $0.family == family }.map(\.name).joined(separator: ", ")))")
            }
            guard v.isAvailable else {
                throw RAGError(.invalidParameter, "RAG_KERNELS: \(family.rawValue) variant \(v.name) does not run on this CPU (it runs: \(family.available.map(\.name).joined(separator: ", ")))")
            }
            out[family] = v
        }
        return out
    }

    /// Chooses and applies a variant per family: `RAG_KERNELS` first, then the cache, then timing (stored in the
    /// cache). `remeasure` times every family again and rewrites the cache entry.
    @discardableResult
    public static func choose(environment: String?, cacheFile: URL?, remeasure: Bool,
                              timings: ((KernelTiming) -> Void)? = nil) throws -> [KernelChoice] {
        let overrides = try environment.map(parseOverrides) ?? [:]
        let key = machineKey
        var cache = remeasure ? [:] : (cacheFile.flatMap(readCache)?[key] ?? [:])
        var choices: [KernelChoice] = []
        var changed = false
        for family in KernelFamily.allCases {
            let available = family.available
            if available.isEmpty { continue }
            let pick: KernelVariant
            let source: KernelChoiceSource
            if let v = overrides[family] {
                (pick, source) = (v, .environment)
            } else if available.count == 1 {
                (pick, source) = (available[0], .onlyOne)
            } else if let name = cache[family.rawValue], let v = KernelVariant.named(name, in: family), v.isAvailable {
                (pick, source) = (v, .cache)
            } else {
                let times = measure(family)
                times.forEach { timings?($0) }
                guard let best = times.min(by: { $0.seconds < $1.seconds }),
                      let v = KernelVariant.named(best.variant, in: family) else { continue }
                (pick, source) = (v, .measured)
                cache[family.rawValue] = v.name
                changed = true
            }
            pick.use()
            choices.append(KernelChoice(family: family.rawValue, variant: pick.name, source: source))
        }
        if changed, let file = cacheFile { writeCache(file, key: key, entry: cache) }
        return choices
    }

    // MARK: - Timing

    /// The real shapes: SmolLM2-135M's feed-forward projections (576 ↔ 1536, Q4_1) for the generator, one token
    /// for decode and 64 for prefill; MiniLM's feed-forward (384 ↔ 1536) over 256 tokens for the encoder.
    public static func shape(of family: KernelFamily) -> String {
        switch family {
        case .decode: "q4_1 1536×576 and 576×1536, 1 token"
        case .prefill: "q4_1 1536×576 and 576×1536, 64 tokens"
        case .int8: "int16 256×384·384×1536 and 256×1536·1536×384"
        }
    }

    /// Times every available variant of `family`: rounds alternate between variants; each variant's figure is its
    /// best round (the least disturbed). About 2 ms per variant per round, 5 rounds.
    public static func measure(_ family: KernelFamily, rounds: Int = 5) -> [KernelTiming] {
        let variants = family.available
        let bench = KernelBench(family: family)
        var best = [Double](repeating: .infinity, count: variants.count)
        // One warm call each (caches, clock), then as many calls per round as fill ~1 ms.
        var first = variants.map { v -> Double in bench.run(v); return bench.time(v) }
        // A first call that another process interrupted can look many times slower than the variant is: one that
        // looks over 4× slower than the fastest is timed once more before it is left out (on a busy machine the
        // fastest variant was left out this way, with its disturbed call as its figure).
        var fastest = first.min() ?? 1
        for i in first.indices where first[i] > 4 * fastest { first[i] = min(first[i], bench.time(variants[i])) }
        fastest = first.min() ?? 1
        let reps = first.map { max(1, Int((0.001 / max($0, 1e-7)).rounded(.up))) }
        best = first
        for _ in 0..<rounds {
            // A variant over 4× slower than the fastest on the first call (the portable loops) cannot win: one
            // timing is its figure.
            for (i, v) in variants.enumerated() where first[i] <= 4 * fastest {
                best[i] = min(best[i], bench.time(v, repetitions: reps[i]))
            }
        }
        return zip(variants, best).map { v, s in
            KernelTiming(family: family.rawValue, variant: v.name, bits: v.bits, shape: shape(of: family), seconds: s,
                         opsPerSecond: bench.ops / s)
        }
    }

    /// A core's peak int8 multiply-add rate per instruction form (operations per second, a multiply-add counting
    /// two), from register-only loops of independent chains. Forms the CPU lacks are left out.
    public static func int8Peaks() -> [(name: String, bits: Int, opsPerSecond: Double)] {
        let forms: [(String, Int32, Int, Int)] = [
            ("avx2 vpmaddubsw", 1, 256, 32), ("avx-vnni vpdpbusd", 2, 256, 32),
            ("avx512-vnni vpdpbusd ymm", 3, 256, 32), ("avx512-vnni vpdpbusd zmm", 4, 512, 64),
        ]
        var out: [(String, Int, Double)] = []
        for (name, kind, bits, bytes) in forms {
            guard probe(kind) else { continue }
            let iters = 200_000
            _ = rag_int8_peak_loop(kind, iters, 1)
            var bestTime = Double.infinity
            for round in 0..<5 {
                let t0 = DispatchTime.now().uptimeNanoseconds
                _ = rag_int8_peak_loop(kind, iters, Int32(round))
                bestTime = min(bestTime, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
            }
            out.append((name, bits, Double(iters * 12 * bytes * 2) / bestTime))
        }
        return out
    }

    /// Whether the CPU runs a peak loop form (its result can legitimately be 0, so check the variant bits).
    private static func probe(_ kind: Int32) -> Bool {
        let v = rag_quant_kernels_variants()
        switch kind {
        case 1: return v & 1 != 0
        case 2: return v & 2 != 0
        case 3, 4: return v & 4 != 0
        default: return false
        }
    }

    // MARK: - Cache

    /// `$RAG_KERNEL_CACHE`, else `$XDG_CACHE_HOME/rag/kernels.json`, else `~/.cache/rag/kernels.json`.
    public static var cacheFile: URL? {
        let env = ProcessInfo.processInfo.environment
        if let path = env["RAG_KERNEL_CACHE"] { return path.isEmpty ? nil : URL(fileURLWithPath: path) }
        let base = env["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? env["HOME"].map { $0 + "/.cache" }
        return base.map { URL(fileURLWithPath: $0).appendingPathComponent("rag/kernels.json") }
    }

    /// The CPU (vendor, family, model, stepping and model name from /proc/cpuinfo) and the binary (path, size and
    /// modification time of the executable) the choice is valid for.
    public static var machineKey: String {
        var cpu = "unknown cpu"
        if let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) {
            var fields: [String: String] = [:]
            for line in text.split(separator: "\n").prefix(40) {
                let kv = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if kv.count == 2, fields[kv[0]] == nil { fields[kv[0]] = kv[1] }
            }
            cpu = ["vendor_id", "cpu family", "model", "stepping", "model name"].map { fields[$0] ?? "?" }.joined(separator: "/")
        }
        var binary = "unknown binary"
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"),
           let attrs = try? FileManager.default.attributesOfItem(atPath: exe) {
            let size = (attrs[.size] as? NSNumber)?.int64Value ?? 0
            let mtime = (attrs[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            binary = "\(exe)/\(size)/\(Int64(mtime))"
        }
        return "v\(kernelSetVersion) \(cpu) \(binary)"
    }

    private static func readCache(_ file: URL) -> [String: [String: String]]? {
        guard let data = try? Data(contentsOf: file) else { return nil }
        return try? JSONDecoder().decode([String: [String: String]].self, from: data)
    }

    /// Writes the entry (keeping others, at most 32 machines/binaries) atomically; a cache that cannot be written
    /// only means timing again next time.
    private static func writeCache(_ file: URL, key: String, entry: [String: String]) {
        var all = readCache(file) ?? [:]
        if all.count >= 32 { all.removeAll() }
        all[key] = entry
        guard let data = try? JSONEncoder().encode(all) else { return }
        try? FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? data.write(to: file, options: .atomic)
    }
}

/// Synthetic operands of a family's real shapes (random codes, small valid scales) and a timed call per variant.
final class KernelBench {
    let family: KernelFamily
    /// Integer operations of one call (2 × multiply-adds).
    let ops: Double
    private let buffers: [UnsafeMutableRawPointer]
    private let run1: (KernelVariant) -> Void

    init(family: KernelFamily) {
        self.family = family
        var rng = SplitMix64(seed: 0x6B65726E656C)
        var allocated: [UnsafeMutableRawPointer] = []
        func bytes(_ n: Int) -> UnsafeMutableRawPointer {
            let p = UnsafeMutableRawPointer.allocate(byteCount: max(n, 64), alignment: 64)
            var i = 0
            while i + 8 <= n { p.storeBytes(of: rng.next(), toByteOffset: i, as: UInt64.self); i += 8 }
            while i < n { p.storeBytes(of: UInt8(truncatingIfNeeded: rng.next()), toByteOffset: i, as: UInt8.self); i += 1 }
            allocated.append(p)
            return p
        }
        func floats(_ n: Int, _ value: Float) -> UnsafeMutablePointer<Float> {
            let p = bytes(n * 4).bindMemory(to: Float.self, capacity: n)
            for i in 0..<n { p[i] = value * Float.random(in: 0.5...1.5, using: &rng) }
            return p
        }
        switch family {
        case .decode, .prefill:
            let tokens = family == .decode ? 1 : 64
            // Two Q4_1 matrices (20-byte blocks: f16 scale, f16 min, 16 bytes of nibbles) with small valid scales.
            let shapes = [(rows: 1536, cols: 576), (rows: 576, cols: 1536)]
            var mats: [(UnsafeMutableRawPointer, Int, Int)] = []
            for (rows, cols) in shapes {
                let rowBytes = cols / 32 * 20
                let w = bytes(rows * rowBytes)
                for b in 0..<(rows * cols / 32) {
                    w.storeBytes(of: UInt16(0x2000), toByteOffset: b * 20, as: UInt16.self)
                    w.storeBytes(of: UInt16(0xA000), toByteOffset: b * 20 + 2, as: UInt16.self)
                }
                mats.append((w, rows, cols))
            }
            let maxCols = 1536, maxRows = 1536
            let qa = bytes(tokens * maxCols).bindMemory(to: Int8.self, capacity: tokens * maxCols)
            let da = floats(tokens * maxCols / 32, 0.01), sa = floats(tokens * maxCols / 32, 0.3)
            let out = floats(tokens * maxRows, 0)
            ops = Double(shapes.reduce(0) { $0 + 2 * $1.rows * $1.cols * tokens })
            buffers = allocated
            run1 = { v in
                for (w, rows, cols) in mats {
                    let blocks = cols / 32, rowBytes = blocks * 20
                    if family == .decode {
                        rag_rows_q4_1_q8_1_with(v.code, w, rowBytes, 0, rows, qa, da, sa, blocks, out)
                    } else {
                        rag_gemm_q4_1_q8_1_with(v.code, v.tile, w, rowBytes, 0, rows, qa, da, sa, cols, tokens, blocks,
                                                out, rows)
                    }
                }
            }
        case .int8:
            let m = 256
            let shapes = [(n: 1536, k: 384), (n: 384, k: 1536)]
            var packs: [(UnsafeMutablePointer<Int16>, UnsafeMutablePointer<Float>, Int, Int)] = []
            for (n, k) in shapes {
                let b = bytes(n * k * 2).bindMemory(to: Int16.self, capacity: n * k)
                for i in 0..<(n * k) { b[i] = Int16(Int8(truncatingIfNeeded: b[i])) }
                let size = rag_i16_packed_size(Int32(n), Int32(k))
                let packed = bytes(size * 2).bindMemory(to: Int16.self, capacity: size)
                rag_i16_pack_b(b, Int32(k), Int32(n), Int32(k), packed)
                packs.append((packed, floats(n + 64, 0.01), n, k))
            }
            let a = bytes(m * 1536 * 2).bindMemory(to: Int16.self, capacity: m * 1536)
            for i in 0..<(m * 1536) { a[i] = a[i] >> 4 }
            let aScales = floats(m, 0.001), out = floats(m * 1536, 0)
            ops = Double(shapes.reduce(0) { $0 + 2 * m * $1.n * $1.k })
            buffers = allocated
            run1 = { v in
                for (packed, bs, n, k) in packs {
                    rag_i16_gemm_with(v.code, a, Int32(k), aScales, Int32(m), packed, bs, Int32(n), Int32(k), out, Int32(n))
                }
            }
        }
    }

    deinit { buffers.forEach { $0.deallocate() } }

    func run(_ v: KernelVariant) { run1(v) }

    /// Seconds per call, averaged over `repetitions` calls.
    func time(_ v: KernelVariant, repetitions: Int = 1) -> Double {
        let t0 = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<repetitions { run1(v) }
        return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9 / Double(repetitions)
    }
}
