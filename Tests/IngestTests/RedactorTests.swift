/// Redaction: planted personal data of every kind is replaced; look-alikes (bad checksums, versions, dates) are not.
import Foundation
@testable import Ingest
import RAGCore
import Testing

@Suite struct RedactorTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/redaction")

    func redacted(_ name: String, kinds: Set<RedactionKind> = Set(RedactionKind.allCases)) throws -> (String, [RedactionKind: Int]) {
        let text = try String(contentsOf: Self.fixtures.appendingPathComponent(name), encoding: .utf8)
        var counts: [RedactionKind: Int] = [:]
        return (Redactor(kinds: kinds).redact(text, counts: &counts), counts)
    }

    @Test func plantedDataOfEveryKindIsReplaced() throws {
        let (text, counts) = try redacted("planted.txt")
        for planted in ["jane.doe@example.org", "7946 0958", "123-4567", "4111 1111 1111 1111", "5500-0000-0000-0004",
                        "GB82 WEST", "DE89370400440532013000", "81.2.69.160", "2a02:8070:85a3", "AKIAIOSFODNN7EXAMPLE",
                        "ghp_", "eyJhbGciOiJIUzI1NiJ9", "q8Zt3LmW9xVb2RkP7nYd4HsJ6cQa1FgE", "MIIEowIBAAKCAQEA", "PRIVATE KEY"] {
            #expect(!text.contains(planted), "\(planted) survived")
        }
        #expect(counts == [.email: 1, .phone: 2, .card: 2, .iban: 2, .ip: 2, .secret: 5])
        for placeholder in ["[EMAIL]", "[PHONE]", "[CARD]", "[IBAN]", "[IP]", "[SECRET]"] { #expect(text.contains(placeholder)) }
    }

    @Test func nearMissesAreLeftAlone() throws {
        let original = try String(contentsOf: Self.fixtures.appendingPathComponent("near-misses.txt"), encoding: .utf8)
        let (text, counts) = try redacted("near-misses.txt")
        #expect(counts.isEmpty, "\(counts)")
        #expect(text == original)
    }

    @Test func onlyTheChosenKindsAreReplaced() throws {
        let (text, counts) = try redacted("planted.txt", kinds: [.email])
        #expect(counts == [.email: 1])
        #expect(text.contains("4111 1111 1111 1111"))
    }

    @Test func kindListParsesAllAndRefusesUnknownNames() throws {
        #expect(try RedactionKind.parseList("all") == Set(RedactionKind.allCases))
        #expect(try RedactionKind.parseList("email, card") == [.email, .card])
        #expect(RedactionKind.listText([.secret, .email]) == "email,secret")
        #expect(throws: RAGError.self) { try RedactionKind.parseList("email,passport") }
    }

    @Test func checksums() {
        #expect(RedactionChecks.isCard("378282246310005"))   // Amex test number
        #expect(!RedactionChecks.isCard("4111111111111112"))
        #expect(!RedactionChecks.isCard("1234567812345670"))  // Luhn-valid but no card brand
        #expect(RedactionChecks.isIBAN("FR1420041010050500013M02606"))
        #expect(!RedactionChecks.isIBAN("FR1420041010050500013M02607"))
    }

    @Test func documentTitleAndBlocksAreRedactedBeforeChunking() {
        let doc = Document(path: "a.txt", title: "Contact jane@example.com", format: .text,
                           blocks: [Block(kind: .paragraph, text: "Card 4111111111111111 on file.", range: 0..<30)])
        var counts: [RedactionKind: Int] = [:]
        let out = Redactor(kinds: [.email, .card]).redact(doc, counts: &counts)
        #expect(out.title == "Contact [EMAIL]")
        #expect(out.blocks[0].text == "Card [CARD] on file.")
    }
}

@Suite struct RedactionPrefilterTests {
    @Test(arguments: ["mail jane@example.org", "call +44 20 7946 0958", "key AKIAIOSFODNN7EXAMPLE", "-----BEGIN",
                      "ip 81.2.69.160", "GB82 WEST 1234 5698 7654 32"])
    func candidatesGoToTheRegex(text: String) {
        #expect(RedactionPrefilter.mayContainPersonalData(text))
    }

    @Test(arguments: ["@property def name(self)", "Python 3.11.4 released in 2023", "test_support_threading_helper",
                      "a plain sentence without anything", "10.0.0.1"])
    func ordinaryTextSkipsTheRegex(text: String) {
        #expect(!RedactionPrefilter.mayContainPersonalData(text))
    }
}

@Suite struct RedactionWindowTests {
    @Test func windowsCoverTheirTriggersWithContextAndMerge() {
        let filler = String(repeating: "word ", count: 60)
        let text = filler + "mail jane@example.org now " + filler + "IBAN GB82 WEST 1234 5698 7654 32 end " + filler
        let windows = RedactionPrefilter.candidateWindows(text)
        #expect(windows.count == 2)
        let bytes = Array(text.utf8)
        let pieces = windows.map { String(decoding: bytes[$0.range], as: UTF8.self) }
        #expect(windows[0].triggers == .at)
        #expect(pieces[0].contains("jane@example.org"))
        #expect(pieces[1].contains("GB82 WEST 1234 5698 7654 32"))
        var counts: [RedactionKind: Int] = [:]
        let out = Redactor(kinds: [.email, .iban]).redact(text, counts: &counts)
        #expect(out == filler + "mail [EMAIL] now " + filler + "IBAN [IBAN] end " + filler)
    }
}
