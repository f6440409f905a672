/// The one JSON coding convention of the project: snake_case keys, sorted, slashes unescaped.
import Foundation

extension JSONEncoder {
    /// Snake-case keys, sorted keys, `/` unescaped: every JSON document `rag` writes (CLI, HTTP, caches) uses this.
    public static var snakeCase: JSONEncoder {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }
}

extension JSONDecoder {
    /// Reads what `JSONEncoder.snakeCase` writes.
    public static var snakeCase: JSONDecoder {
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        return d
    }
}
