/// Packing the chosen chunks, most relevant first, into the generator's token budget.
import RAGCore
import Store

/// Packs whole chunks, most relevant first, into the prompt without overflowing the context.
public struct ContextPacker {
    public let template: PromptTemplate
    /// Tokens of a rendered prompt, as the generator will count them.
    public let countTokens: (GenerationPrompt) -> Int
    public let contextLength: Int
    /// The backend's chat template as raw text, when it has one (lets the template prime the answer).
    public let renderChat: (([ChatMessage]) -> String?)?

    public init(template: PromptTemplate, contextLength: Int, renderChat: (([ChatMessage]) -> String?)? = nil,
                countTokens: @escaping (GenerationPrompt) -> Int) {
        self.template = template
        self.contextLength = contextLength
        self.renderChat = renderChat
        self.countTokens = countTokens
    }

    public struct Packed {
        public var prompt: GenerationPrompt
        public var blocks: [ContextBlock]
        /// Indices (into the candidate list) of the chunks that made it, in block order.
        public var used: [Int]
        public var promptTokens: Int
        /// Candidates left out because they did not fit.
        public var droppedForBudget: Int
        /// The begun answer the prompt ends with (the template's assistant prefix when the prompt is raw text,
        /// else ""); the model's text continues it.
        public var answerPrefix: String
    }

    /// - Throws: when the template and question alone leave no room for `maxTokens` of answer.
    public func pack(question: String, candidates: [SearchHit], maxTokens: Int) throws -> Packed {
        let budget = contextLength - maxTokens
        let bare = template.prompt(question: question, contexts: [], renderChat: renderChat)
        let bareTokens = countTokens(bare)
        guard bareTokens <= budget else {
            throw RAGError(.promptTooLong, """
                the prompt template "\(template.name)" with this question needs \(bareTokens) tokens before any context, \
                but only \(budget) of the generator's \(contextLength) are left after max_tokens \(maxTokens): \
                shorten the question or the template, or lower max_tokens
                """)
        }
        var blocks: [ContextBlock] = []
        var used: [Int] = []
        var total = bareTokens
        var dropped = 0
        for (i, hit) in candidates.enumerated() {
            let block = ContextBlock(n: blocks.count + 1, path: hit.path, headingPath: hit.headingPath, text: hit.text)
            // Measure the block by rendering with and without it: exact for the template's own separators.
            let withBlock = countTokens(template.prompt(question: question, contexts: blocks + [block], renderChat: renderChat))
            if withBlock <= budget {
                blocks.append(block)
                used.append(i)
                total = withBlock
            } else {
                dropped += 1
            }
        }
        let prompt = template.prompt(question: question, contexts: blocks, renderChat: renderChat)
        var answerPrefix = ""
        if case .text = prompt { answerPrefix = template.assistantPrefix ?? "" }
        return Packed(prompt: prompt, blocks: blocks, used: used, promptTokens: total, droppedForBudget: dropped,
                      answerPrefix: answerPrefix)
    }
}
