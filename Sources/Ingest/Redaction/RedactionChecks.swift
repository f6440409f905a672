/// The checks that separate personal data from look-alikes: Luhn, card brands, IBAN mod-97, entropy, reserved IPs.
import Foundation

enum RedactionChecks {
    static func digits(_ s: String) -> [UInt8] { s.utf8.filter { $0 >= 48 && $0 <= 57 }.map { $0 - 48 } }

    /// The Luhn checksum of a card number.
    static func luhn(_ d: [UInt8]) -> Bool {
        var sum = 0
        for (i, digit) in d.reversed().enumerated() {
            var v = Int(digit)
            if i % 2 == 1 { v *= 2; if v > 9 { v -= 9 } }
            sum += v
        }
        return sum % 10 == 0
    }

    /// A card number: a known brand's prefix and length, and the Luhn check (a random 16-digit number passes Luhn
    /// one time in ten; the brand rule keeps order numbers and timestamps out).
    static func isCard(_ s: String) -> Bool {
        let d = digits(s)
        guard (13...19).contains(d.count), Set(d).count > 1, luhn(d) else { return false }
        let p2 = Int(d[0]) * 10 + Int(d[1])
        let p4 = p2 * 100 + Int(d[2]) * 10 + Int(d[3])
        switch d[0] {
        case 4: return [13, 16, 19].contains(d.count)                          // Visa
        case 5: return (51...55).contains(p2) && d.count == 16                  // Mastercard
        case 2: return (2221...2720).contains(p4) && d.count == 16              // Mastercard 2-series
        case 3: return ((p2 == 34 || p2 == 37) && d.count == 15)                // Amex
            || ((p2 == 36 || p2 == 38 || (300...305).contains(p4 / 10)) && d.count == 14)  // Diners
            || (p2 == 35 && (16...19).contains(d.count))                        // JCB
        case 6: return (p4 == 6011 || p2 == 65 || (644...649).contains(p4 / 10)) && (16...19).contains(d.count)  // Discover
        default: return false
        }
    }

    /// An IBAN: two letters, two check digits, 11–30 more letters or digits, and the mod-97 check equal to 1.
    static func isIBAN(_ s: String) -> Bool {
        let chars = Array(s.utf8.filter { $0 != 0x20 })
        guard (15...34).contains(chars.count),
              chars[0] >= 65, chars[0] <= 90, chars[1] >= 65, chars[1] <= 90,
              chars[2] >= 48, chars[2] <= 57, chars[3] >= 48, chars[3] <= 57 else { return false }
        var remainder = 0
        for c in chars[4...] + chars[..<4] {
            switch c {
            case 48...57: remainder = (remainder * 10 + Int(c - 48)) % 97
            case 65...90: remainder = (remainder * 100 + Int(c - 55)) % 97
            default: return false
            }
        }
        return remainder == 1
    }

    /// Digits between 8 and 15 (E.164 allows 15); fewer is a short code or a number, not a phone number.
    static func isPhone(_ s: String) -> Bool { (8...15).contains(digits(s).count) }

    /// IPv4 other than loopback, the unspecified address, netmasks and the documentation ranges (RFC 5737), which
    /// fill manuals and are nobody's. At least six digits in all: "4.8.3.1" is a section number far more often
    /// than an address (this also lets "10.0.0.1" through unredacted).
    static func isIPv4(_ s: String) -> Bool {
        let texts = s.split(separator: ".")
        let parts = texts.compactMap { Int($0) }
        guard parts.count == 4, texts.reduce(0, { $0 + $1.count }) >= 6 else { return false }
        if parts[0] == 127 || parts[0] == 0 || parts[0] == 255 { return false }
        let documentation = [(192, 0, 2), (198, 51, 100), (203, 0, 113)]
        if documentation.contains(where: { $0.0 == parts[0] && $0.1 == parts[1] && $0.2 == parts[2] }) { return false }
        return true
    }

    /// IPv6 in full or compressed form, with a digit and a group of three or more hex digits (so C++'s `a::b`
    /// and `std::` never count), other than loopback `::1`.
    static func isIPv6(_ s: String) -> Bool {
        let groups = s.split(separator: ":", omittingEmptySubsequences: true)
        guard groups.count >= 2, s != "::1", s.contains(where: \.isNumber) else { return false }
        let lower = s.lowercased()
        if lower.hasPrefix("2001:db8:") || lower.hasPrefix("2001:0db8:") { return false }  // documentation (RFC 3849)
        return groups.contains { $0.count >= 3 }
    }

    /// A random-looking token: upper and lower case letters and digits (at least two of each), and at least
    /// 4.3 bits of entropy per character (English identifiers stay below; random base62/base64 lies above).
    static func isHighEntropy(_ s: String) -> Bool {
        var upper = 0, lower = 0, digit = 0
        var freq: [UInt8: Int] = [:]
        for c in s.utf8 {
            switch c {
            case 65...90: upper += 1
            case 97...122: lower += 1
            case 48...57: digit += 1
            default: break
            }
            freq[c, default: 0] += 1
        }
        guard upper >= 2, lower >= 2, digit >= 2 else { return false }
        // A slash with a dash or underscore is a URL path ("com/recipe/Roasted-Asparagus-203718"): base64 has "+/",
        // base64url "-_", never a mix.
        if s.contains("/") && (s.contains("-") || s.contains("_")) { return false }
        if s.utf8.filter({ $0 == UInt8(ascii: "/") }).count > 2 { return false }  // a path or URL, not a token
        let n = Double(s.utf8.count)
        var entropy = 0.0
        for (_, f) in freq {
            let p = Double(f) / n
            entropy -= p * log2(p)
        }
        return entropy >= 4.3
    }
}
