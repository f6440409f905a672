/// OpenBLAS at run time: pick the AVX-512 kernels where the CPU has them (Debian's DYNAMIC_ARCH build falls back to
/// Haswell kernels on CPUs it does not know, at half the sgemm speed), report the kernels in use, set thread counts.
import CBLAS
import Foundation

public enum BLASRuntime {
    /// The kernels OpenBLAS uses, e.g. "Haswell" or "SkylakeX".
    public static func coreName() -> String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// OpenBLAS's thread count for one call.
    public static var threads: Int {
        get { Int(openblas_get_num_threads()) }
    }

    /// Sets the number of threads OpenBLAS uses inside one call (process-wide).
    public static func setThreads(_ n: Int) {
        openblas_set_num_threads(Int32(max(1, n)))
    }

    /// The AVX-512 subsets OpenBLAS's SkylakeX kernels need.
    static let skylakeXFlags = ["avx512f", "avx512bw", "avx512vl", "avx512dq"]

    /// Whether /proc/cpuinfo lists every flag the SkylakeX kernels use.
    public static func cpuSupportsSkylakeXKernels(cpuinfo: String? = nil) -> Bool {
        guard let text = cpuinfo ?? readProcFile("/proc/cpuinfo") else { return false }
        guard let flagsLine = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return false }
        let flags = Set(flagsLine.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == ":" }).map(String.init))
        return skylakeXFlags.allSatisfy(flags.contains)
    }

    /// Reads a /proc file with read(2): they report size 0, so size-based readers return nothing.
    static func readProcFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            bytes.append(contentsOf: buffer[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Call first thing in `main`. When `OPENBLAS_CORETYPE` is unset and the CPU has AVX-512 (F, BW, VL, DQ), sets
    /// `OPENBLAS_CORETYPE=SkylakeX` and re-executes this program with the same arguments: OpenBLAS reads the variable
    /// only when the library loads, which has already happened. Returns normally when nothing is to be done or when
    /// the re-exec fails (the program then simply runs with the default kernels).
    /// Set `RAG_BLAS_CORETYPE=default` to opt out.
    public static func selectFastestKernelsOrReexec() {
        let environment = ProcessInfo.processInfo.environment
        if environment["OPENBLAS_CORETYPE"] != nil { return }
        if environment["RAG_BLAS_CORETYPE"] == "default" { return }
        guard cpuSupportsSkylakeXKernels() else { return }
        setenv("OPENBLAS_CORETYPE", "SkylakeX", 1)
        let arguments = CommandLine.arguments
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        argv.append(nil)
        execv("/proc/self/exe", &argv)
        // execv only returns on failure: carry on with the kernels already loaded.
        unsetenv("OPENBLAS_CORETYPE")
        for p in argv { free(p) }
    }
}
