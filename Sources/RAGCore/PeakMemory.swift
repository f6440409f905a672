/// The process's peak resident memory, reported by every benchmark beside its speed.
import Foundation

/// Peak resident set size of this process, in MB (VmHWM from /proc/self/status; 0 where there is no procfs).
public func peakRSSMegabytes() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kb = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Double($0) } ?? 0
        return kb / 1024
    }
    return 0
}
