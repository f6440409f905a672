/// Ingest progress for a person at a terminal: a bar redrawn in place, or plain lines when standard error is not a
/// terminal (a log file, a CI job).
import Foundation

/// Draws `IngestProgress` on standard error: a bar at most every 0.1 s on a terminal, a line at most every 2 s
/// otherwise. A class because the pipeline calls `update` from its loop and the bar keeps its last-drawn time;
/// the pipeline calls it from one thread at a time, so it needs no lock.
public final class ProgressReporter: @unchecked Sendable {
    let enabled: Bool
    let terminal = isatty(2) == 1
    var lastPrint = Date.distantPast
    var drewBar = false

    /// `enabled` false prints nothing (JSON output, or a caller that reports otherwise).
    public init(enabled: Bool) { self.enabled = enabled }

    public func update(_ p: IngestProgress) {
        guard enabled else { return }
        let now = Date()
        let done = p.filesDone >= p.filesTotal
        if !terminal && !done && now.timeIntervalSince(lastPrint) < 2 { return }
        if terminal && !done && now.timeIntervalSince(lastPrint) < 0.1 { return }
        lastPrint = now
        let frac = p.bytesTotal > 0 ? Double(p.bytesDone) / Double(p.bytesTotal) : 1
        let mbs = p.elapsed > 0 ? Double(p.bytesDone) / 1_048_576 / p.elapsed : 0
        let eta = frac > 0 && frac < 1 ? p.elapsed * (1 - frac) / frac : 0
        let etaText = String(format: "%d:%02d", Int(eta) / 60, Int(eta) % 60)
        let units = (p.pages > 0 ? "  \(p.pages) pages" : "") + (p.entries > 0 ? "  \(p.entries) entries" : "")
        let stats = "\(p.filesDone)/\(p.filesTotal) files\(units)  \(p.chunks) chunks  \(String(format: "%.1f", mbs)) MB/s  ETA \(etaText)"
        if terminal {
            let width = 30
            let filled = Int(frac * Double(width))
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            FileHandle.standardError.write(Data("\r\u{1B}[2K\(bar) \(stats)".utf8))
            drewBar = true
        } else {
            FileHandle.standardError.write(Data("ingest: \(stats)\n".utf8))
        }
    }

    /// Ends the bar's line, so what follows starts on a fresh one.
    public func finish() {
        if drewBar { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
