/// Per-stage timings and token counts of answers and generations (Prometheus through swift-metrics).
import Answering
import Metrics

enum StageMetrics {
    static func stage(_ name: String, _ seconds: Double) {
        Timer(label: "rag_stage_duration_seconds", dimensions: [("stage", name)]).recordSeconds(seconds)
    }

    static func record(_ a: Answer) {
        stage("embed", a.timings.embedS)
        stage("search", a.timings.searchS)
        stage("pack", a.timings.packS)
        if a.usage.completionTokens > 0 || a.timings.prefillS > 0 {
            stage("prefill", a.timings.prefillS)
            stage("decode", a.timings.decodeS)
            stage("generate", a.timings.prefillS + a.timings.decodeS)
            Timer(label: "rag_time_to_first_token_seconds").recordSeconds(a.timings.ttftS)
        }
        tokens(prompt: a.usage.promptTokens, completion: a.usage.completionTokens, cached: a.usage.cachedPromptTokens)
    }

    static func tokens(prompt: Int, completion: Int, cached: Int) {
        Counter(label: "rag_prompt_tokens_total").increment(by: prompt)
        Counter(label: "rag_generated_tokens_total").increment(by: completion)
        Counter(label: "rag_cached_prompt_tokens_total").increment(by: cached)
    }
}
