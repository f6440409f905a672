/// What `rag --version` prints: the version, then the build (git commit, Swift compiler) and the CPU paths in use.
import Kernels

enum VersionText {
    static let version = "0.1.0"

    /// The compiler this binary was built with (there is no run-time query for it, so conditional compilation).
    static var swiftVersion: String {
        #if compiler(>=6.4)
        return "6.4 or later"
        #elseif compiler(>=6.3)
        return "6.3"
        #elseif compiler(>=6.2)
        return "6.2"
        #elseif compiler(>=6.1)
        return "6.1"
        #else
        return "6.0"
        #endif
    }

    static var text: String {
        (["rag \(version)", "commit \(BuildInfo.gitCommit)", "Swift \(swiftVersion)"] + KernelFeatures.summary)
            .joined(separator: "\n")
    }
}
