/// A cache look-up without answering: the server serves cached answers without queueing for the generator.
import Foundation
import RAGCore

extension AnswerEngine {
    /// The cached answer to `question` with `options`, marked `cached`, or nil.
    public func cachedAnswer(_ question: String, options: AskOptions) throws -> Answer? {
        guard let key = cacheKeyFor(question, options), let cache, let data = try cache.get(key),
              var answer = try? JSONDecoder.snakeCase.decode(Answer.self, from: data) else { return nil }
        answer.cached = true
        answer.timings = Answer.Timings()
        return answer
    }

    /// Whether answering with `options` needs the generator (free style, and a generator is configured).
    public func needsGenerator(_ options: AskOptions) -> Bool { style(options) == .free && generator != nil }
}
