import Foundation
import HTTPClient

extension QiscusClient {
    /// The body of a bot message: `{"sender_email":"<app id>_admin@qismo.com","message":..,"type":"text","room_id":..}`.
    struct BotMessage: Encodable {
        let sender_email: String
        let message: String
        let type = "text"
        let room_id: String
    }

    /// The sender of bot messages: the app's admin, `<app id>_admin@qismo.com`.
    public var botSenderEmail: String { "\(configuration.appID)_admin@qismo.com" }

    /// Posts a text message to the room as the app's admin: `POST {base}/{app id}/bot` with the admin headers.
    /// Any 2xx is success (the answer's body is not needed); every failure is thrown, never retried here.
    public func sendBotMessage(room: String, text: String) async throws(QiscusError) {
        let body: Data
        do {
            body = try JSONEncoder().encode(BotMessage(sender_email: botSenderEmail, message: text, room_id: room))
        } catch {
            throw .unreachable("invalid request: \(error)")
        }
        _ = try await send(HTTPClientRequest(method: "POST", url: configuration.baseURL + "/\(configuration.appID)/bot",
                                             headers: authHeaders, body: .json(body)))
    }
}
