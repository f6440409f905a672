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

    /// The merge order of the heap-based `bpe` equals the textbook loop (rescan, lowest rank, leftmost) on random
    /// words over a small alphabet with a random merge table, repeated letters included.
    @Test func heapMergesEqualTheRescanningReferenceOnRandomWords() throws {
        var rng = SystemRandomNumberGenerator()
        let alphabet = ["a", "b", "c"]
        // Every token up to length 4 over the alphabet, and a shuffled merge list over pairs that form them.
        var tokens = alphabet
        for _ in 0..<3 { tokens += tokens.flatMap { t in alphabet.map { t + $0 } }.filter { $0.count <= 4 } }
        tokens = Array(Set(tokens)).sorted()
        var merges: [String] = []
        for t in tokens where t.count > 1 {
            let cut = Int.random(in: 1..<t.count, using: &rng)
            let m = String(t.prefix(cut)) + " " + String(t.dropFirst(cut))
            if !merges.contains(m) { merges.append(m) }
        }
        merges.shuffle(using: &rng)
        let tok = try BPETokenizer(tokens: tokens, merges: merges, preTokenizer: .gpt2)
        var rank: [String: Int] = [:]
        for (i, m) in merges.enumerated() where rank[m] == nil { rank[m] = i }
        func reference(_ word: String) -> [String] {
            var syms = word.map { String($0) }
            while syms.count > 1 {
                var best = Int.max, at = -1
                for i in 0..<(syms.count - 1) {
                    if let r = rank[syms[i] + " " + syms[i + 1]], r < best { best = r; at = i }
                }
                if at < 0 { break }
                syms[at] += syms[at + 1]
                syms.remove(at: at + 1)
            }
            return syms
        }
        for length in [1, 2, 3, 5, 8, 13, 40, 200] {
            for _ in 0..<50 {
                let word = String((0..<length).map { _ in alphabet.randomElement(using: &rng)!.first! })
                #expect(tok.bpe(word) == reference(word), "word \(word)")
            }
        }
        let run = String(repeating: "a", count: 3000)
        #expect(tok.bpe(run) == reference(run))
    }
}
