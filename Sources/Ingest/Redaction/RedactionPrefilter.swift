/// One cheap pass over a block's bytes that tells whether any redaction pattern could match, so most blocks skip the regex.

/// Every pattern of `Redactor` needs one of these, so a block with none of them is left as is without running the
/// (much slower) regular expression:
/// - an `@` between a name character and a letter or digit (an email; `@decorator` does not count);
/// - a run of digits with separators (` .-()+:/` and hex letters) holding six or more digits (card, phone, IBAN
///   check digits and account, IPv4, IPv6);
/// - a run of token characters (`A-Za-z0-9+/_=-`) of 15 or more with a digit and two capitals
///   (cloud keys, GitHub/Slack tokens, bearer tokens, high-entropy strings);
/// - five dashes in a row (a PEM private-key block).
enum RedactionPrefilter {
    static func mayContainPersonalData(_ text: String) -> Bool {
        var digitsInRun = 0
        var tokenLength = 0, tokenDigits = 0, tokenUpper = 0
        var dashes = 0
        var previous: UInt8 = 0
        var atPending = false
        for b in text.utf8 {
            if atPending {
                if isAlnum(b) { return true }
                atPending = false
            }
            if b == UInt8(ascii: "@") && isNameByte(previous) { atPending = true }

            let digit = b >= 48 && b <= 57
            if digit {
                digitsInRun += 1
                if digitsInRun >= 6 { return true }
            } else if !isNumberSeparator(b) {
                digitsInRun = 0
            }

            if isTokenByte(b) {
                tokenLength += 1
                if digit { tokenDigits += 1 } else if b >= 65 && b <= 90 { tokenUpper += 1 }
                if tokenLength >= 15 && tokenDigits >= 1 && tokenUpper >= 2 { return true }
            } else {
                tokenLength = 0; tokenDigits = 0; tokenUpper = 0
            }

            dashes = b == UInt8(ascii: "-") ? dashes + 1 : 0
            if dashes >= 5 { return true }
            previous = b
        }
        return false
    }

    private static func isAlnum(_ b: UInt8) -> Bool { (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) }

    private static func isNameByte(_ b: UInt8) -> Bool {
        isAlnum(b) || b == UInt8(ascii: ".") || b == UInt8(ascii: "_") || b == UInt8(ascii: "%") || b == UInt8(ascii: "+") || b == UInt8(ascii: "-")
    }

    private static func isNumberSeparator(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: " "), UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "("), UInt8(ascii: ")"),
             UInt8(ascii: "+"), UInt8(ascii: ":"), UInt8(ascii: "/"): return true
        case 65...70, 97...102: return true  // hex letters (IPv6) and IBAN letters A–F; other letters end the run
        default: return false
        }
    }

    private static func isTokenByte(_ b: UInt8) -> Bool {
        isAlnum(b) || b == UInt8(ascii: "+") || b == UInt8(ascii: "/") || b == UInt8(ascii: "_") || b == UInt8(ascii: "=") || b == UInt8(ascii: "-")
    }
}
