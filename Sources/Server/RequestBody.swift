/// Reading a JSON request body: a size limit, and errors that name the field and what is wrong with it.
import Foundation
import Hummingbird
import NIOCore

/// A JSON value that keeps booleans, integers and other numbers apart (so `"k": true` or `"k": 2.5` is refused);
/// read by `JSONParser` in one pass.
enum JSONValue: Sendable {
    case null, bool(Bool), int(Int), double(Double), string(String), array([JSONValue]), object([String: JSONValue])

    var kind: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .int, .double: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// The top-level object of a request body, with typed, validated field access.
struct JSONBody: Sendable {
    let fields: [String: JSONValue]

    /// Reads at most `limit` bytes (413 beyond) and parses one JSON object. `allowed` refuses unknown fields
    /// (a misspelt `topk` is an error, not a silent default); nil accepts any (OpenAI clients send many).
    static func read(_ request: Request, limit: Int, allowed: Set<String>?) async throws -> JSONBody {
        let buffer: ByteBuffer
        do {
            if let deadline = RequestDeadline.current {
                buffer = try await withTimeout(deadline.limit) { try await request.body.collect(upTo: limit) }
            } else {
                buffer = try await request.body.collect(upTo: limit)
            }
        } catch is NIOTooManyBytesError {
            throw APIError(.bodyTooLarge, "the request body is larger than the limit of \(limit) bytes")
        }
        return try parse(Array(buffer.readableBytesView), allowed: allowed)
    }

    static func parse(_ bytes: [UInt8], allowed: Set<String>?) throws -> JSONBody {
        guard !bytes.isEmpty else { throw APIError(.invalidJSON, "the request body is empty: send a JSON object") }
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw APIError(.invalidJSON, "the request body is not valid JSON: \(error)")
        }
        guard case .object(let fields) = value else {
            throw APIError(.invalidJSON, "the request body must be a JSON object, got \(value.kind)")
        }
        if let allowed {
            let unknown = fields.keys.filter { !allowed.contains($0) }.sorted()
            if let first = unknown.first {
                throw APIError(.unknownField, "\(first): unknown field (allowed: \(allowed.sorted().joined(separator: ", ")))")
            }
        }
        return JSONBody(fields: fields)
    }

    func present(_ key: String) -> JSONValue? {
        guard let v = fields[key] else { return nil }
        if case .null = v { return nil }
        return v
    }

    func required<T>(_ key: String, _ get: (String) throws -> T?) throws -> T {
        guard let v = try get(key) else { throw APIError(.missingField, "\(key): required") }
        return v
    }

    func string(_ key: String, maxLength: Int = 1 << 20, nonEmpty: Bool = false) throws -> String? {
        guard let v = present(key) else { return nil }
        guard case .string(let s) = v else { throw APIError.invalid(key, "expected a string, got \(v.kind)") }
        if nonEmpty && s.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { throw APIError.invalid(key, "must not be empty") }
        if s.utf8.count > maxLength { throw APIError.invalid(key, "longer than \(maxLength) bytes") }
        return s
    }

    func int(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let v = present(key) else { return nil }
        guard case .int(let i) = v else { throw APIError.invalid(key, "expected an integer, got \(v.kind)") }
        guard range.contains(i) else { throw APIError.invalid(key, "must be between \(range.lowerBound) and \(range.upperBound), got \(i)") }
        return i
    }

    /// An integer field whose range the value type it feeds checks (`SearchParameters`, `GenerationParameters`).
    func integer(_ key: String) throws -> Int? { try int(key, in: Int.min...Int.max) }

    /// A number field whose range the value type it feeds checks.
    func number(_ key: String) throws -> Double? {
        try double(key, in: -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude)
    }

    func double(_ key: String, in range: ClosedRange<Double>, excludingLower: Bool = false) throws -> Double? {
        guard let v = present(key) else { return nil }
        let d: Double
        switch v {
        case .int(let i): d = Double(i)
        case .double(let x): d = x
        default: throw APIError.invalid(key, "expected a number, got \(v.kind)")
        }
        guard range.contains(d), !(excludingLower && d == range.lowerBound) else {
            throw APIError.invalid(key, "must be \(excludingLower ? "above" : "at least") \(range.lowerBound) and at most \(range.upperBound), got \(d)")
        }
        return d
    }

    func bool(_ key: String) throws -> Bool? {
        guard let v = present(key) else { return nil }
        guard case .bool(let b) = v else { throw APIError.invalid(key, "expected true or false, got \(v.kind)") }
        return b
    }

    /// A string or an array of strings (`stop`, `filter`, `input`).
    func strings(_ key: String, maxCount: Int = 64, maxLength: Int = 1 << 20) throws -> [String]? {
        guard let v = present(key) else { return nil }
        switch v {
        case .string(let s):
            guard s.utf8.count <= maxLength else { throw APIError.invalid(key, "longer than \(maxLength) bytes") }
            return [s]
        case .array(let items):
            guard items.count <= maxCount else { throw APIError.invalid(key, "at most \(maxCount) items, got \(items.count)") }
            return try items.enumerated().map { i, item in
                guard case .string(let s) = item else { throw APIError.invalid("\(key)[\(i)]", "expected a string, got \(item.kind)") }
                guard s.utf8.count <= maxLength else { throw APIError.invalid("\(key)[\(i)]", "longer than \(maxLength) bytes") }
                return s
            }
        default:
            throw APIError.invalid(key, "expected a string or an array of strings, got \(v.kind)")
        }
    }

    func array(_ key: String) throws -> [JSONValue]? {
        guard let v = present(key) else { return nil }
        guard case .array(let a) = v else { throw APIError.invalid(key, "expected an array, got \(v.kind)") }
        return a
    }

    func object(_ key: String) throws -> JSONBody? {
        guard let v = present(key) else { return nil }
        guard case .object(let o) = v else { throw APIError.invalid(key, "expected an object, got \(v.kind)") }
        return JSONBody(fields: o)
    }
}
