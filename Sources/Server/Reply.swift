/// JSON responses: every route's body is an `Encodable` value written with the API's snake-case keys.
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import RAGCore

enum Reply {
    static let encoder = JSONEncoder.snakeCase

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        Response(status: status, headers: [.contentType: "application/json"],
                 body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }
}
