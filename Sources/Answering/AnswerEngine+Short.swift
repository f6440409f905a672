/// Short answers: the span reader picks a span of the retrieved chunks, the answer is that span verbatim, then the
/// sentence holding it, cited. Nothing in a short answer can be invented: it is copied from a chunk.
import Foundation
import RAGCore
import Reader
import Store

extension AnswerEngine {
    func shortAnswer(_ question: String, options: AskOptions, candidates: [SearchHit], scores: [Double], result initial: Answer,
                     timings initialTimings: Answer.Timings, start: Date, packStart: Date, cacheKey: String?,
                     onText: @escaping @Sendable (String) -> Void) throws -> Answer {
        guard let reader else {
            throw RAGError(.noGenerator, "short answers need the encoder model (Models/minilm: run scripts/fetch-models), or pass --style free or --style extractive")
        }
        var result = initial
        var timings = initialTimings
        let read = Array(candidates.prefix(max(1, options.readerPassages)))
        let spans = try reader.read(question: question, passages: read.map(\.text), limit: 8)
        // Retrieval's order is a prior: a span of a lower-ranked chunk must score that much better.
        var ranked = spans.map { (span: $0, score: $0.score - options.readerRankPenalty * Float($0.passage)) }
            .sorted { $0.score > $1.score }
        // Optionally the generator weighs in: how likely it finds each of the best spans as the answer, given the
        // sentences they stand in (a copy-only choice: the candidates are the reader's spans).
        if options.readerGeneratorWeight > 0, let scorer = generator as? any ContinuationScoring, ranked.count > 1 {
            let top = Array(ranked.prefix(options.readerGeneratorCandidates))
            var passages: [String] = []
            for c in top {
                let text = read[c.span.passage].text
                let sentence = EvidenceLocator.substring(text, EvidenceLocator.sentence(in: text, around: c.span.start..<c.span.end))
                if !passages.contains(sentence) { passages.append(sentence) }
            }
            let prompt = GenerationPrompt.chat([
                ChatMessage(role: "system", content: "Answer the question with a short phrase copied from the passages."),
                ChatMessage(role: "user", content: "Passages:\n" + passages.joined(separator: "\n") + "\n\nQuestion: \(question)")])
            let logProbabilities = try scorer.continuationLogProbabilities(prompt: prompt, continuations: top.map(\.span.text))
            let rescored = zip(top, logProbabilities).map { c, lp in
                let tokens = Float(max(1, c.span.text.split(separator: " ").count))
                return (span: c.span, score: c.score + options.readerGeneratorWeight * Float(lp) / tokens)
            }
            ranked = rescored.sorted { $0.score > $1.score } + ranked.dropFirst(top.count)
        }
        timings.packS = Date().timeIntervalSince(packStart)
        guard let best = ranked.first, best.score >= options.readerMinScore, !best.span.text.isEmpty else {
            // Nothing in the chunks answers it.
            result.answer = Self.notInDocuments
            result.grounded = false
            timings.ttftS = Date().timeIntervalSince(start)
            timings.totalS = timings.ttftS
            result.timings = timings
            onText(result.answer)
            try store(result, cacheKey)
            return result
        }
        // The chunk holding the answer becomes [1]; the others keep retrieval's order.
        let order = [best.span.passage] + candidates.indices.filter { $0 != best.span.passage }
        let hit = candidates[best.span.passage]
        let sentence = EvidenceLocator.sentence(in: hit.text, around: best.span.start..<best.span.end)
        let evidence = Answer.Evidence(n: 1, chunkId: hit.chunkID, text: EvidenceLocator.substring(hit.text, sentence),
                                       charStart: sentence.lowerBound, charEnd: sentence.upperBound)
        var short = best.span.text
        // A yes/no question: yes or no first, then the sentence that decides it.
        if QuestionKind.isYesNo(question), let verdict = try yesNo(question, evidence: evidence.text) {
            short = verdict
        }
        result.shortAnswer = short
        result.evidence = [evidence]
        onText("\(short) [1]")
        timings.ttftS = Date().timeIntervalSince(start)
        let quoted = "\n\nEvidence: \u{201C}\(evidence.text)\u{201D} [1]"
        onText(quoted)
        result.answer = "\(short) [1]" + quoted
        result.grounded = true
        result.uncited = false
        result.citations = [Answer.CitationRef(n: 1, chunkId: hit.chunkID)]
        result.sources = order.enumerated().map { k, i in
            Answer.Source(n: k + 1, path: candidates[i].path, headingPath: candidates[i].headingPath, score: scores[i],
                          cited: k == 0, chunkId: candidates[i].chunkID)
        }
        timings.totalS = Date().timeIntervalSince(start)
        result.timings = timings
        try store(result, cacheKey)
        return result
    }
}
