/// Byte-level BPE pieces that need no model file: pre-tokenisation, merges, streaming decode, ChatML.
import RAGCore
import Testing
@testable import Tokenizers

@Suite struct BPETokenizerTests {
    func pieces(_ p: BPEPreTokenizer, _ s: String) -> [String] { p.split(s).map { String(String.UnicodeScalarView($0)) } }

    @Test func smollmPreTokenizerSplitsEveryDigitThenAppliesGPT2Pattern() {
        #expect(pieces(.smollm, "12345") == ["1", "2", "3", "4", "5"])
        #expect(pieces(.smollm, "in 2025 we") == ["in", " ", "2", "0", "2", "5", " we"])
        #expect(pieces(.smollm, "don't  stop\n") == ["don", "'t", " ", " stop", "\n"])
        #expect(pieces(.gpt2, "Hello   world  ") == ["Hello", "  ", " world", "  "])
        #expect(pieces(.gpt2, "a!!? b") == ["a", "!!?", " b"])
    }

    @Test func piecesConcatenateToTheText() {
        for text in ["Ångström über 3.14 😀👍🏽", "  \t\n x", "", "ab'LL'll"] {
            #expect(pieces(.smollm, text).joined() == text)
        }
    }

    @Test func mergesApplyByRankLowestFirst() throws {
        // Alphabet tokens plus merged tokens; "a b" outranks "b c".
        let tokens = ["a", "b", "c", "ab", "bc", "abc", "<|end|>"]
        let tok = try BPETokenizer(tokens: tokens, merges: ["a b", "ab c", "b c"], types: [1, 1, 1, 1, 1, 1, 3],
                                   preTokenizer: .gpt2, eosID: 6)
        #expect(tok.encode("abc") == [5])
        #expect(tok.encode("bc") == [4])
        #expect(tok.encode("abc<|end|>b") == [5, 6, 1])
        #expect(tok.encode("abc<|end|>", parseSpecial: false) != [5, 6])
        #expect(tok.decode([5, 6, 1]) == "abcb")
        #expect(tok.decode([5, 6], renderSpecial: true) == "abc<|end|>")
        #expect(tok.endOfGenerationIDs == [6])
    }

    @Test func streamDecoderNeverSplitsAUTF8Character() throws {
        // A vocabulary of single bytes: "é" is two tokens, "😀" four.
        let tokens = (0..<256).map { String(BPEByteLevel.byteToScalar[$0]) }
        let tok = try BPETokenizer(tokens: tokens, merges: [], preTokenizer: .gpt2)
        let ids = tok.encode("é😀x")
        #expect(ids.count == 7)
        var dec = BPEStreamDecoder(tokenizer: tok)
        let deltas = ids.map { dec.append($0) }
        #expect(deltas == ["", "é", "", "", "", "😀", "x"])
        #expect(dec.flush() == "")
        var cut = BPEStreamDecoder(tokenizer: tok)
        _ = cut.append(ids[0])
        #expect(cut.flush() == "\u{FFFD}")
    }

    @Test func chatMLRendersTheTemplateAndInsertsTheDefaultSystemPromptOnlyWhenMissing() {
        let t = ChatMLTemplate()
        #expect(t.render([ChatMessage(role: "user", content: "Hi")]) ==
            "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
        #expect(t.render([ChatMessage(role: "system", content: "S"), ChatMessage(role: "user", content: "Q")]) ==
            "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\n")
        let jinja = "{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\nDefault here<|im_end|>\n' }}"
        #expect(ChatMLTemplate(jinja: jinja).defaultSystemPrompt == "Default here")
    }
}
