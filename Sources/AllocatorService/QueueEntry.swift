import Allocation

/// One room of `GET /v1/queue` and `allocator queue --json`: its place in its route's line and its wait.
public struct QueueEntry: Codable, Sendable, Equatable {
    /// 1 at the head of the route's queue.
    public let position: Int
    public let roomID: String
    public let route: String
    /// When it arrived (ms since 1970, Redis clock).
    public let waitingSinceMilliseconds: Int
    /// How long it has waited (ms).
    public let waitedMilliseconds: Int

    public init(_ room: QueuedRoom) {
        position = room.position
        roomID = room.room
        route = room.route
        waitingSinceMilliseconds = room.waitingSinceMilliseconds
        waitedMilliseconds = room.waitedMilliseconds
    }

    enum CodingKeys: String, CodingKey {
        case position, route
        case roomID = "room_id"
        case waitingSinceMilliseconds = "waiting_since_ms"
        case waitedMilliseconds = "waited_ms"
    }
}
