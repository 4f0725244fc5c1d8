import Foundation

/// A response to send: status, headers and body.
public struct ServerResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: Data

    public init(status: Int, headers: [(String, String)] = [], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of a header by case-insensitive name.
    public func header(_ name: String) -> String? {
        headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
    }

    /// A JSON response encoded from `value` (keys sorted, so output is stable).
    public static func json<T: Encodable>(_ value: T, status: Int = 200) -> ServerResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let body = try? encoder.encode(value) else {
            return error(500, code: "internal", message: "response could not be encoded")
        }
        return ServerResponse(status: status, headers: [("Content-Type", "application/json")], body: body)
    }

    /// A JSON object of string values, keys in the order given (give them sorted, as ``json(_:status:)``
    /// writes them), written without an encoder: the answer of every webhook.
    public static func object(_ fields: KeyValuePairs<String, String>, status: Int = 200) -> ServerResponse {
        ServerResponse(status: status, headers: [("Content-Type", "application/json")], body: Data(JSONText.object(fields).utf8))
    }

    /// The error shape of the service: `{"error":"<code>","message":"<human text>"}`.
    public static func error(_ status: Int, code: String, message: String) -> ServerResponse {
        object(["error": code, "message": message], status: status)
    }

    /// Plain text, e.g. for `/metrics`.
    public static func text(_ text: String, status: Int = 200,
                            contentType: String = "text/plain; charset=utf-8") -> ServerResponse {
        ServerResponse(status: status, headers: [("Content-Type", contentType)], body: Data(text.utf8))
    }
}
