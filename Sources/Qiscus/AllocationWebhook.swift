import Foundation

/// The "custom agent allocation" webhook Qiscus POSTs for every customer message while a room has no agent.
/// Only the fields the service needs are decoded; unknown fields are ignored.
public struct AllocationWebhook: Decodable, Sendable, Equatable {
    /// The previous or current service (session) of the room, as Qiscus reports it.
    public struct Service: Decodable, Sendable, Equatable {
        public let id: Int64?
        public let isResolved: Bool?

        enum CodingKeys: String, CodingKey {
            case id
            case isResolved = "is_resolved"
        }
    }

    /// The room id: a string of digits (Qiscus reuses it for a returning customer's next session).
    public let roomID: String
    public let appID: String?
    public let isNewSession: Bool?
    public let latestService: Service?
    /// The kind of channel the customer wrote from (`qiscus`, `wa`, `ig`, `fb`, ...): every app sends it.
    public let source: String?
    /// The channel itself (`{"id":12,"name":"WhatsApp Sales","source":"wa"}`): newer apps only; nil when
    /// absent or malformed (never a reason to refuse the webhook).
    public let channel: Channel?

    enum CodingKeys: String, CodingKey {
        case roomID = "room_id"
        case appID = "app_id"
        case isNewSession = "is_new_session"
        case latestService = "latest_service"
        case source, channel
    }

    public init(roomID: String, appID: String? = nil, isNewSession: Bool? = nil, latestService: Service? = nil,
                source: String? = nil, channel: Channel? = nil) {
        self.roomID = roomID
        self.appID = appID
        self.isNewSession = isNewSession
        self.latestService = latestService
        self.source = source
        self.channel = channel
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        roomID = try RoomID.decode(from: container, forKey: .roomID)
        appID = try? container.decodeIfPresent(String.self, forKey: .appID)
        isNewSession = try? container.decodeIfPresent(Bool.self, forKey: .isNewSession)
        latestService = try? container.decodeIfPresent(Service.self, forKey: .latestService)
        source = try? container.decodeIfPresent(String.self, forKey: .source)
        channel = try? container.decodeIfPresent(Channel.self, forKey: .channel)
    }

    /// The id of the channel the room came in through, when the webhook names it.
    public var channelID: Int? { channel?.id }

    /// The key of the customer session this webhook belongs to: the id of `latest_service` (the service
    /// before this one, resolved, for a returning customer) or `"0"` for a room's first session. It only
    /// grows for a room, and equals the service id the resolve webhook of the previous session carried,
    /// which `release` records as the room's tombstone. See README, "Sessions".
    public var sessionKey: String {
        guard let id = latestService?.id, id > 0 else { return "0" }
        return String(id)
    }
}

/// Decoding rules for room ids, shared by both webhooks.
enum RoomID {
    /// Room ids are 1-32 ASCII digits in a JSON string; anything else is refused (numbers included: Qiscus
    /// sends strings, and a number may have lost precision on the way).
    static func decode<K: CodingKey>(from container: KeyedDecodingContainer<K>, forKey key: K) throws -> String {
        let value: String
        do {
            value = try container.decode(String.self, forKey: key)
        } catch {
            throw DecodingError.dataCorruptedError(forKey: key, in: container,
                                                   debugDescription: "room_id must be a string of digits")
        }
        guard isValid(value) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: container,
                                                   debugDescription: "room_id must be 1-32 digits")
        }
        return value
    }

    static func isValid(_ value: String) -> Bool {
        (1...32).contains(value.utf8.count) && value.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }
}
