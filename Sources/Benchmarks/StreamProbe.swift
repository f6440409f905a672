/// Reads one streamed response for the load generator: the Server-Sent Events of /v1/ask or of an OpenAI chat
/// completion, noting the first text's time, the completion tokens reported and whether the stream finished cleanly.
import Foundation
import RemoteGeneration

/// A lock because the HTTP client calls back from its event loop while the client task waits.
final class StreamProbe: @unchecked Sendable {
    private let lock = NSLock()
    private var parser = SSEParser()
    private var status = 0
    private var ttft: Double?
    private var tokens = 0
    private var finished = false
    private var failed = false

    func setStatus(_ s: Int) { lock.withLock { status = s } }

    func feed(_ bytes: [UInt8], since t0: ContinuousClock.Instant, ask: Bool) {
        lock.withLock {
            for data in parser.feed(bytes) {
                if data == "[DONE]" { finished = true; continue }
                guard let o = try? JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any] else { failed = true; continue }
                if o["error"] != nil { failed = true }
                var text: String?
                if ask {
                    if o["type"] as? String == "delta" { text = o["text"] as? String }
                    if o["type"] as? String == "answer" {
                        finished = true
                        tokens = (o["usage"] as? [String: Any])?["completion_tokens"] as? Int ?? 0
                    }
                } else {
                    text = (((o["choices"] as? [[String: Any]])?.first)?["delta"] as? [String: Any])?["content"] as? String
                    if let u = o["usage"] as? [String: Any] { tokens = u["completion_tokens"] as? Int ?? 0 }
                }
                if let text, !text.isEmpty, ttft == nil {
                    ttft = (ContinuousClock.now - t0).seconds
                }
            }
        }
    }

    func sample(total: Double) -> HTTPBenchmark.Sample {
        lock.withLock {
            HTTPBenchmark.Sample(ok: status == 200 && finished && !failed, ttft: ttft ?? total, total: total, tokens: tokens)
        }
    }
}
