/// The request-body JSON parser: the same values as Foundation's parser, one pass, bounded nesting.
import Foundation
import Testing
@testable import Server

@Suite struct JSONParserTests {
    func parse(_ s: String) throws -> JSONValue { try JSONParser.parse(Array(s.utf8)) }

    /// Structure of a parsed value as plain Foundation objects, for comparison with JSONSerialization.
    func plain(_ v: JSONValue) -> NSObject {
        switch v {
        case .null: return NSNull()
        case .bool(let b): return NSNumber(value: b)
        case .int(let i): return NSNumber(value: i)
        case .double(let d): return NSNumber(value: d)
        case .string(let s): return s as NSString
        case .array(let a): return a.map(plain) as NSArray
        case .object(let o): return o.mapValues(plain) as NSDictionary
        }
    }

    @Test func keepsIntegersDoublesBooleansAndStringsApart() throws {
        guard case .object(let o) = try parse(#" {"k": 5, "t": 0.5, "e": 1e3, "b": true, "n": null, "s": "a\"\\\/\n\u00e9\ud83d\ude00", "a": [1, [2, {}], []]} "#) else {
            Issue.record("not an object"); return
        }
        guard case .int(5) = o["k"], case .double(0.5) = o["t"], case .double(1000) = o["e"], case .bool(true) = o["b"], case .null = o["n"] else {
            Issue.record("wrong scalars: \(o)"); return
        }
        guard case .string(let s) = o["s"] else { Issue.record("no string"); return }
        #expect(s == "a\"\\/\né😀")
    }

    @Test func agreesWithFoundationOnRandomDocuments() throws {
        var rng = SystemRandomNumberGenerator()
        func random(_ depth: Int) -> Any {
            switch Int.random(in: 0..<(depth > 3 ? 5 : 7), using: &rng) {
            case 0: return NSNull()
            case 1: return Bool.random(using: &rng)
            case 2: return Int.random(in: -1_000_000...1_000_000, using: &rng)
            case 3: return Double(Int.random(in: -1000...1000, using: &rng)) + 0.25
            case 4: return String((0..<Int.random(in: 0...8, using: &rng)).map { _ in "aé\"\\\n\t😀<{x".randomElement(using: &rng)! })
            case 5: return (0..<Int.random(in: 0...4, using: &rng)).map { _ in random(depth + 1) }
            default:
                var d: [String: Any] = [:]
                for k in 0..<Int.random(in: 0...4, using: &rng) { d["k\(k)\u{e9}"] = random(depth + 1) }
                return d
            }
        }
        for _ in 0..<300 {
            let doc: [String: Any] = ["root": random(0)]
            let data = try JSONSerialization.data(withJSONObject: doc)
            let ours = plain(try JSONParser.parse(Array(data)))
            let theirs = try JSONSerialization.jsonObject(with: data) as! NSObject
            #expect(ours.isEqual(theirs), "\(String(decoding: data, as: UTF8.self))")
        }
    }

    @Test func malformedBodiesAreRefusedWithWhereAndWhat() {
        let cases: [(String, String)] = [
            (#"{"query": "#, "truncated"), (#"{"a": 1} x"#, "after the JSON value"), (#"{"a": 01}"#, "byte"),
            (#"{"a": tru}"#, "literal"), (#"{"a": "\x"}"#, "escape"), (#"{"a": "\ud800"}"#, "surrogate"),
            ("{\"a\": \"tab\there\"}", "control character"), (#"{a: 1}"#, "field name"), (#"[1,]"#, "unexpected character"),
            (#"{"a": 1e999}"#, "out of range"), (#"{"a": -}"#, "invalid number"),
        ]
        for (body, words) in cases {
            #expect { try parse(body) } throws: { "\($0)".contains(words) }
        }
        #expect { try JSONParser.parse([0x22, 0xFF, 0xFE, 0x22]) } throws: { "\($0)".contains("UTF-8") }
    }

    /// Nesting is refused past 32 levels at once, whatever the depth (no recursion into a 100,000-deep body).
    @Test func deepNestingIsRefusedPastTheLimit() throws {
        let ok = String(repeating: "[", count: 32) + String(repeating: "]", count: 32)
        _ = try parse(ok)
        for depth in [33, 500, 100_000] {
            let deep = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
            #expect { try parse(deep) } throws: { "\($0)".contains("nested deeper than 32") }
            let objects = String(repeating: #"{"a":"#, count: depth) + "1" + String(repeating: "}", count: depth)
            #expect { try parse(objects) } throws: { "\($0)".contains("nested deeper than 32") }
        }
    }
}
