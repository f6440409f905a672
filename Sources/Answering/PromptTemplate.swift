/// Prompt templates: Mustache files that render the user message from the question and numbered context blocks.
import Foundation
import Mustache
import RAGCore

/// One numbered context block as a template sees it.
public struct ContextBlock: Sendable {
    public var n: Int
    public var path: String
    public var headingPath: String
    public var text: String
}

public struct PromptTemplate: Sendable {
    public let name: String
    public private(set) var system: String
    /// Text the assistant turn starts with (e.g. "According to ["), when the backend can continue a begun turn
    /// (it renders its chat template as raw text). It is part of the answer: the model's text follows it.
    public private(set) var assistantPrefix: String?
    let template: MustacheTemplate

    /// The system message: fixed for every question, so the generator's prompt-prefix cache skips its prefill
    /// after the first question. It carries one worked example (passages, a question, an answer citing [2]): with
    /// it SmolLM2-135M cites far more often than with the instruction alone (`rag bench ask`, docs/ARCHITECTURE.md).
    public static let defaultSystem = """
        You are rag, an assistant that answers questions about the user's documents. Use only the numbered \
        context passages given with the question. Cite every passage you use with its number in square brackets, \
        like [1] or [2]. If the passages do not contain the answer, say that the documents do not contain it. \
        Answer briefly.

        Example:
        Context passages:
        [1] notes/garden.md — Roses
        Roses are pruned in early spring, before the buds open.

        [2] notes/kitchen.md — Tea
        Green tea is brewed with water at 80 °C for two minutes.

        Question: How hot should the water be for green tea?
        Answer: Brew green tea with water at 80 °C for two minutes [2].
        """

    /// Where the answer starts when the backend can continue a begun assistant turn (see `assistantPrefix`): the
    /// model's first tokens then complete a citation, so every generated answer cites a passage.
    public static let defaultAssistantPrefix: String? = "According to ["

    /// Shipped templates, selectable by name with `--template NAME`.
    public static let builtIn: [String: String] = [
        "default": """
            Context passages:
            {{#contexts}}
            [{{n}}] {{{path}}}{{#heading_path}} — {{{heading_path}}}{{/heading_path}}
            {{{text}}}

            {{/contexts}}
            Question: {{{question}}}
            Answer from the passages above, citing them like [1].
            """,
        "concise": """
            {{#contexts}}
            [{{n}}] {{{text}}}
            {{/contexts}}

            Q: {{{question}}}
            A short answer with citations [n]:
            """,
    ]

    public init(name: String, source: String, system: String = PromptTemplate.defaultSystem,
                assistantPrefix: String? = PromptTemplate.defaultAssistantPrefix) throws {
        self.name = name
        self.system = system
        self.assistantPrefix = assistantPrefix?.isEmpty == true ? nil : assistantPrefix
        do {
            template = try MustacheTemplate(string: source)
        } catch {
            throw RAGError(.badTemplate, "template \(name) is not valid Mustache: \(error)")
        }
    }

    /// The same template with another system message and assistant prefix (to compare prompts).
    public func with(system: String, assistantPrefix: String?) throws -> PromptTemplate {
        var copy = self
        copy.system = system
        copy.assistantPrefix = assistantPrefix?.isEmpty == true ? nil : assistantPrefix
        return copy
    }

    /// `--template` value: a built-in name or the path of a `.mustache` file.
    public static func load(_ nameOrPath: String?) throws -> PromptTemplate {
        let key = nameOrPath ?? "default"
        if let source = builtIn[key] { return try PromptTemplate(name: key, source: source) }
        guard let data = FileManager.default.contents(atPath: key) else {
            throw RAGError(.templateNotFound, "template \(key) is neither a built-in template (\(builtIn.keys.sorted().joined(separator: ", "))) nor a readable file")
        }
        return try PromptTemplate(name: key, source: String(decoding: data, as: UTF8.self))
    }

    public func render(question: String, contexts: [ContextBlock]) -> String {
        let object: [String: Any] = [
            "question": question,
            "contexts": contexts.map { ["n": $0.n, "path": $0.path, "heading_path": $0.headingPath, "text": $0.text] as [String: Any] },
        ]
        return template.render(object)
    }

    public func messages(question: String, contexts: [ContextBlock]) -> [ChatMessage] {
        [ChatMessage(role: "system", content: system),
         ChatMessage(role: "user", content: render(question: question, contexts: contexts))]
    }

    /// The prompt for a backend. With an assistant prefix and a backend that renders its chat template as raw text
    /// (`renderChat` returns non-nil, the assistant turn opened), raw text ending in the begun answer; otherwise the
    /// plain conversation, which every backend accepts.
    public func prompt(question: String, contexts: [ContextBlock],
                       renderChat: (([ChatMessage]) -> String?)? = nil) -> GenerationPrompt {
        let m = messages(question: question, contexts: contexts)
        if let assistantPrefix, let raw = renderChat?(m) { return .text(raw + assistantPrefix) }
        return .chat(m)
    }
}
