/// The settings of a BERT WordPiece tokenizer, read from the model folder (tokenizer_config.json and
/// sentence_bert_config.json) the way transformers/sentence-transformers read them.
import RAGCore
import Foundation

public struct WordPieceConfiguration: Sendable, Equatable {
    public var lowercase: Bool
    /// Accent stripping (NFD, drop non-spacing marks). `strip_accents: null` means "same as lowercase", as in BERT.
    public var stripAccents: Bool
    public var splitCJK: Bool
    /// Total sequence length including [CLS] and [SEP].
    public var maxLength: Int
    public var maxInputCharsPerWord: Int
    public var unkToken: String
    public var clsToken: String
    public var sepToken: String
    public var padToken: String
    public var maskToken: String

    public init(lowercase: Bool = true, stripAccents: Bool? = nil, splitCJK: Bool = true, maxLength: Int = 512,
                maxInputCharsPerWord: Int = 100, unkToken: String = "[UNK]", clsToken: String = "[CLS]",
                sepToken: String = "[SEP]", padToken: String = "[PAD]", maskToken: String = "[MASK]") {
        self.lowercase = lowercase
        self.stripAccents = stripAccents ?? lowercase
        self.splitCJK = splitCJK
        self.maxLength = maxLength
        self.maxInputCharsPerWord = maxInputCharsPerWord
        self.unkToken = unkToken
        self.clsToken = clsToken
        self.sepToken = sepToken
        self.padToken = padToken
        self.maskToken = maskToken
    }

    /// Reads `tokenizer_config.json` (required) and `sentence_bert_config.json` (optional: its `max_seq_length`
    /// is the length sentence-transformers truncates to, and wins over the tokenizer's `model_max_length`).
    public init(directory: URL) throws {
        let configURL = directory.appendingPathComponent("tokenizer_config.json")
        let object = try Self.readJSON(configURL)
        func bool(_ key: String) -> Bool? { object[key] as? Bool }
        func string(_ key: String) -> String? { object[key] as? String }
        let lowercase = bool("do_lower_case") ?? true
        var maxLength = (object["model_max_length"] as? NSNumber)?.intValue ?? 512
        if maxLength <= 2 || maxLength > 1_000_000 { maxLength = 512 }
        let sbertURL = directory.appendingPathComponent("sentence_bert_config.json")
        if FileManager.default.fileExists(atPath: sbertURL.path) {
            let sbert = try Self.readJSON(sbertURL)
            if let n = (sbert["max_seq_length"] as? NSNumber)?.intValue, n > 2 { maxLength = n }
        }
        self.init(lowercase: lowercase,
                  stripAccents: bool("strip_accents"),
                  splitCJK: bool("tokenize_chinese_chars") ?? true,
                  maxLength: maxLength,
                  unkToken: string("unk_token") ?? "[UNK]",
                  clsToken: string("cls_token") ?? "[CLS]",
                  sepToken: string("sep_token") ?? "[SEP]",
                  padToken: string("pad_token") ?? "[PAD]",
                  maskToken: string("mask_token") ?? "[MASK]")
    }

    static func readJSON(_ url: URL) throws -> [String: Any] {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw RAGError.missingFile(url.path)
        }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw RAGError.invalid(url.path, "not a JSON object")
        }
        return object
    }
}
