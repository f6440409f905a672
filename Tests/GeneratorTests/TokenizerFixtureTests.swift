/// The GGUF's BPE tokenizer against llama.cpp's ids and pieces for every fixture string.
import Foundation
import Generator
import Testing
import Tokenizers

@Suite struct TokenizerFixtureTests {
    @Test func idsPiecesAndRoundTripMatchLlamaCppForEveryString() throws {
        let tok = try Fixture.engine().tokenizer
        let cases = try Fixture.cases("tokenizer_cases")
        #expect(cases.count >= 30)
        for c in cases {
            let name = c["name"] as! String
            let text = c["text"] as! String
            let ids = (c["ids"] as! [Any]).ints
            #expect(tok.encode(text) == ids, "\(name): ids")
            #expect(tok.encode(text, addBOS: true) == (c["ids_with_bos"] as! [Any]).ints, "\(name): ids with BOS")
            #expect(tok.encode(text, addBOS: nil) == (c["ids_add_special_model_default"] as! [Any]).ints, "\(name): model default")
            let pieces = c["pieces_utf8_hex"] as! [String]
            #expect(ids.map { hex(tok.pieceBytes($0)) } == pieces, "\(name): pieces")
            #expect(tok.decode(tok.encode(text), renderSpecial: true) == text, "\(name): decode(encode(s)) == s")
            if let raw = c["ids_parse_special_false"] as? [Any] {
                #expect(tok.encode(text, parseSpecial: false) == raw.ints, "\(name): parse_special=false")
            }
        }
    }

    @Test func generationPromptsTokeniseToTheFixturePromptIds() throws {
        let engine = try Fixture.engine()
        for c in try Fixture.cases("generation_cases") {
            let ids = (c["prompt_ids"] as! [Any]).ints
            #expect(engine.tokenizer.encode(c["prompt_text"] as! String) == ids, "\(c["id"]!)")
            if let msgs = c["messages"] as? [[String: String]], c["id"] as! String != "chat_user_only_llama_template" {
                // With a system message, our template renders exactly llama.cpp's text.
                let rendered = engine.template.render(msgs.map { .init(role: $0["role"]!, content: $0["content"]!) })
                #expect(rendered == c["prompt_text"] as! String)
            }
        }
    }

    func hex(_ b: [UInt8]) -> String { b.map { String(format: "%02x", $0) }.joined() }
}
