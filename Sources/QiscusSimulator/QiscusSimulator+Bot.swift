import Foundation
import HTTPServer

extension QiscusSimulator {
    /// `POST /{app id}/bot` with `{"sender_email":"<app id>_admin@qismo.com","message":"..","type":"text",
    /// "room_id":".."}` (after the admin header check of every API call): records the message and answers
    /// `{"status":200,"data":{"comment":{..}}}`. 400 for another body; the configured `botFault` answers 500, or
    /// hangs `hangMilliseconds` first.
    func bot(_ request: ServerRequest) -> ServerResponse {
        let (appID, fault, hang) = state.withLock {
            ($0.configuration.appID, $0.configuration.botFault, $0.configuration.hangMilliseconds)
        }
        switch fault {
        case .none: break
        case .error: return Self.json(["status": 500, "errors": "Internal Server Error"], status: 500)
        case .hang:
            usleep(UInt32(max(0, hang)) * 1000)
            return Self.json(["status": 504, "errors": "Gateway Timeout"], status: 504)
        }
        guard let object = try? JSONSerialization.jsonObject(with: request.body) as? [String: Any],
              let room = object["room_id"] as? String, !room.isEmpty, room.allSatisfy(\.isASCIIDigit),
              let text = object["message"] as? String, !text.isEmpty else {
            return Self.json(["status": 400, "errors": "room_id and message are required"], status: 400)
        }
        guard object["sender_email"] as? String == "\(appID)_admin@qismo.com" else {
            return Self.json(["status": 400, "errors": "sender_email must be the app's admin"], status: 400)
        }
        guard object["type"] as? String == "text" else {
            return Self.json(["status": 400, "errors": "type must be text"], status: 400)
        }
        let id = state.withLock { state in
            state.botMessages.append(BotMessageRecord(room: room, text: text, at: Date().timeIntervalSince1970))
            return 987_654_320 + state.botMessages.count
        }
        return Self.json(text: "{\"status\":200,\"data\":{\"comment\":{\"id\":\(id),\"room_id\":\(JSONText.string(room)),"
                         + "\"message\":\(JSONText.string(text)),\"type\":\"text\"}}}")
    }

    /// Every bot message taken so far, in order (also `GET /sim/messages` and `messages` of `GET /sim/state`).
    public func botMessages() -> [BotMessageRecord] {
        state.withLock { $0.botMessages }
    }
}
