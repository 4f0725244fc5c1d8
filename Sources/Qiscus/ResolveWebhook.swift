import Foundation

/// The "mark as resolved" webhook. `resolved_by` may be an admin, so the service frees the agent that ITS
/// records assigned to the room, never `resolved_by`.
public struct ResolveWebhook: Decodable, Sendable, Equatable {
    public struct Service: Decodable, Sendable, Equatable {
        public let id: Int64?
        public let roomID: String

        enum CodingKeys: String, CodingKey {
            case id
            case roomID = "room_id"
        }

        public init(id: Int64?, roomID: String) {
            self.id = id
            self.roomID = roomID
        }

        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            id = try? container.decodeIfPresent(Int64.self, forKey: .id)
            roomID = try RoomID.decode(from: container, forKey: .roomID)
        }
    }

    public let service: Service

    public init(service: Service) { self.service = service }

    public var roomID: String { service.roomID }

    /// The resolved service's id: the returning customer's next allocation webhook carries it as
    /// `latest_service.id`, and any webhook with an older key is stale.
    public var sessionFloor: String? { service.id.flatMap { $0 > 0 ? String($0) : nil } }
}
