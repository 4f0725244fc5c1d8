import Allocation
import Foundation
import HTTPServer
import Qiscus

/// The body of `PUT /v1/agents/{id}`: `{"max_customers": 3 | null, "paused": true | false}`, a merge (an absent
/// field stays as it is; `null` clears the limit override). Anything else is a 400 naming the field.
struct AgentChange: Decodable, Equatable {
    var limit: Override.LimitChange = .keep
    var paused: Bool?

    private enum Field: String, CodingKey, CaseIterable {
        case maxCustomers = "max_customers"
        case paused
    }

    /// Decodes a body (strict JSON, one object, known fields only).
    static func decode(_ body: Data) throws(HTTPError) -> AgentChange {
        try AdminBody.decode(AgentChange.self, from: body)
    }

    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: AdminBody.AnyKey.self)
        for key in container.allKeys where Field(rawValue: key.stringValue) == nil {
            throw AdminBody.Refusal(field: key.stringValue, problem: "is not a field of an agent change (max_customers, paused)")
        }
        let maxCustomers = AdminBody.AnyKey(Field.maxCustomers.rawValue)
        if container.contains(maxCustomers) {
            if try container.decodeNil(forKey: maxCustomers) {
                limit = .clear
            } else {
                guard let value = try? container.decode(Int.self, forKey: maxCustomers), (1...10_000).contains(value) else {
                    throw AdminBody.Refusal(field: "max_customers", problem: "must be an integer 1..10000, or null to clear the override")
                }
                limit = .set(value)
            }
        }
        let pausedKey = AdminBody.AnyKey(Field.paused.rawValue)
        if container.contains(pausedKey) {
            guard let value = try? container.decode(Bool.self, forKey: pausedKey) else {
                throw AdminBody.Refusal(field: "paused", problem: "must be true or false")
            }
            paused = value
        }
    }
}

/// The body of `POST /v1/dead/requeue`: `{"room_id": ".."}` for one dead room, `{}` for all.
struct RequeueRequest: Decodable, Equatable {
    var roomID: String?

    static func decode(_ body: Data) throws(HTTPError) -> RequeueRequest {
        try AdminBody.decode(RequeueRequest.self, from: body.isEmpty ? Data("{}".utf8) : body)
    }

    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: AdminBody.AnyKey.self)
        for key in container.allKeys where key.stringValue != "room_id" {
            throw AdminBody.Refusal(field: key.stringValue, problem: "is not a field of a requeue (room_id)")
        }
        let key = AdminBody.AnyKey("room_id")
        guard container.contains(key) else { return }
        guard let room = try? container.decode(String.self, forKey: key), (1...32).contains(room.utf8.count),
              room.utf8.allSatisfy({ (48...57).contains($0) }) else {
            throw AdminBody.Refusal(field: "room_id", problem: "must be a string of 1-32 digits")
        }
        roomID = room
    }
}

/// Decoding of the admin API's JSON bodies: strict RFC 8259 JSON, an object, known fields only.
enum AdminBody {
    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// A field the body may not have, or with a value it may not take.
    struct Refusal: Error {
        let field: String
        let problem: String
    }

    static func decode<T: Decodable>(_ type: T.Type, from body: Data) throws(HTTPError) -> T {
        do {
            return try StrictJSON.decode(T.self, from: body)
        } catch let refusal as Refusal {
            throw HTTPError(400, code: "invalid_field", message: "\(refusal.field.prefix(64)) \(refusal.problem)")
        } catch is StrictJSONError {
            throw HTTPError(400, code: "invalid_json", message: "the body is not valid JSON")
        } catch {
            throw HTTPError(400, code: "invalid_json", message: "the body must be a JSON object")
        }
    }
}
