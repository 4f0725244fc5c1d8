/// A room waiting in a route's queue, with its place in line.
public struct QueuedRoom: Sendable, Equatable, Codable {
    /// 1 at the head of the route's queue.
    public let position: Int
    public let room: String
    public let route: String
    /// When it arrived (ms since 1970, Redis clock).
    public let waitingSinceMilliseconds: Int
    /// How long it has waited (ms).
    public let waitedMilliseconds: Int

    public init(position: Int, room: String, route: String, waitingSinceMilliseconds: Int, waitedMilliseconds: Int) {
        self.position = position
        self.room = room
        self.route = route
        self.waitingSinceMilliseconds = waitingSinceMilliseconds
        self.waitedMilliseconds = waitedMilliseconds
    }
}
