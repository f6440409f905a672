/// The OpenAI response values encode to exactly the objects OpenAI's clients read (the keys and nulls included).
import Foundation
@testable import Server
import Testing

struct OpenAIResponsesTests {
    func json(_ value: some Encodable) throws -> String { String(decoding: try Reply.encoder.encode(value), as: UTF8.self) }

    @Test func chatCompletionHasTheMessageTheFinishReasonAndUsage() throws {
        let c = Completion(id: "chatcmpl-1", object: "chat.completion", created: 7, model: "m",
                           choices: [.init(message: .init(content: "Hi [1]"), finishReason: "stop")],
                           usage: .init(prompt: 3, completion: 2))
        #expect(try json(c) == #"{"choices":[{"finish_reason":"stop","index":0,"message":{"content":"Hi [1]","role":"assistant"}}],"created":7,"id":"chatcmpl-1","model":"m","object":"chat.completion","usage":{"completion_tokens":2,"prompt_tokens":3,"total_tokens":5}}"#)
    }

    @Test func streamChunksCarryANullFinishReasonUntilTheLast() throws {
        func chunk(_ choices: [Completion.Choice], usage: Completion.Usage? = nil) -> Completion {
            Completion(id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: choices, usage: usage)
        }
        #expect(try json(chunk([.init(delta: .init(role: "assistant", content: ""))])) ==
            #"{"choices":[{"delta":{"content":"","role":"assistant"},"finish_reason":null,"index":0}],"created":1,"id":"c","model":"m","object":"chat.completion.chunk"}"#)
        #expect(try json(chunk([.init(delta: .init(), finishReason: "length")])) ==
            #"{"choices":[{"delta":{},"finish_reason":"length","index":0}],"created":1,"id":"c","model":"m","object":"chat.completion.chunk"}"#)
        #expect(try json(chunk([], usage: .init(prompt: 1, completion: 1))) ==
            #"{"choices":[],"created":1,"id":"c","model":"m","object":"chat.completion.chunk","usage":{"completion_tokens":1,"prompt_tokens":1,"total_tokens":2}}"#)
    }

    @Test func textCompletionHasTextNotMessage() throws {
        let c = Completion(id: "cmpl-1", object: "text_completion", created: 7, model: "m",
                           choices: [.init(text: " 6, 7", finishReason: nil)])
        #expect(try json(c) == #"{"choices":[{"finish_reason":null,"index":0,"text":" 6, 7"}],"created":7,"id":"cmpl-1","model":"m","object":"text_completion"}"#)
    }

    @Test func embeddingsAreNumbersOrBase64() throws {
        let list = EmbeddingList(data: [.init(index: 0, embedding: .float([0.5, -1])), .init(index: 1, embedding: .base64("AAA="))],
                                 model: "all-minilm-l6-v2", usage: .init(promptTokens: 4, totalTokens: 4))
        #expect(try json(list) == #"{"data":[{"embedding":[0.5,-1],"index":0,"object":"embedding"},{"embedding":"AAA=","index":1,"object":"embedding"}],"model":"all-minilm-l6-v2","object":"list","usage":{"prompt_tokens":4,"total_tokens":4}}"#)
    }

    @Test func modelsListNamesTheOwner() throws {
        #expect(try json(ModelList(data: [.init(id: "rag", created: 5)])) ==
            #"{"data":[{"created":5,"id":"rag","object":"model","owned_by":"rag"}],"object":"list"}"#)
    }
}
