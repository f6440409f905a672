/// The `{"code","message"}` object of an error, as error responses and error events in streams carry it.
extension APIError {
    struct Body: Encodable, Sendable {
        var code: String
        var message: String
    }

    var body: Body { Body(code: code.rawValue, message: message) }
}
