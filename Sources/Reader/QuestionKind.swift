/// What a question asks for, from its wording: its wh-word class (what, who, how many, …), and whether it is a
/// yes/no question.
import Foundation

public enum QuestionKind {
    /// The wh-classes; the last, "other", is a question without a wh-word.
    public static let classes = ["what", "which", "who", "whom", "whose", "when", "where", "why", "how many", "how much",
                                 "how long", "how", "what year", "other"]
    /// Checked in this order: the first phrase found anywhere in the question (as whole words) decides.
    static let precedence = ["how many", "how much", "how long", "what year", "whom", "whose", "which", "who", "when",
                             "where", "why", "how", "what"]

    /// Index into `classes` of the question's wh-class.
    public static func whClass(_ question: String) -> Int {
        let words = lowercaseWords(question)
        for phrase in precedence {
            let parts = phrase.split(separator: " ").map(String.init)
            if parts.count == 1 ? words.contains(parts[0]) : containsSequence(words, parts) {
                return classes.firstIndex(of: phrase)!
            }
        }
        return classes.count - 1
    }

    static let auxiliaries: Set<String> = ["is", "are", "was", "were", "do", "does", "did", "can", "could", "should",
        "has", "have", "had", "will", "would", "shall", "may", "might", "must", "am", "isn", "aren", "wasn",
        "weren", "don", "doesn", "didn", "couldn", "shouldn", "hasn", "haven", "won"]

    /// A yes/no question: it opens with an auxiliary verb ("Did …?", "Is …?", "Can I …?") and holds no wh-word.
    public static func isYesNo(_ question: String) -> Bool {
        let words = lowercaseWords(question)
        guard let first = words.first, auxiliaries.contains(first) else { return false }
        return whClass(question) == classes.count - 1 || !words.contains(where: { ["what", "which", "who", "when", "where", "why", "how"].contains($0) })
    }

    /// Lower-cased words (runs of letters, digits and `_`), as a regular expression's `\b` delimits them.
    static func lowercaseWords(_ text: String) -> [String] {
        text.lowercased().split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "_") }).map(String.init)
    }

    static func containsSequence(_ words: [String], _ parts: [String]) -> Bool {
        guard words.count >= parts.count else { return false }
        for i in 0...(words.count - parts.count) where Array(words[i..<(i + parts.count)]) == parts { return true }
        return false
    }
}
