/// One of the last assignments `commit.lua` keeps in the `recent` list (newest first, at most 50): which room
/// got which agent in which route, after how long, and when.
public struct RecentAssignment: Sendable, Equatable, Codable {
    public let room: String
    public let route: String
    public let agent: Int
    /// Milliseconds from the room's queueing to its assignment (Redis clock); nil when unknown.
    public let waitedMilliseconds: Int?
    /// When it was committed (ms since the epoch, Redis clock).
    public let atMilliseconds: Int

    public init(room: String, route: String, agent: Int, waitedMilliseconds: Int?, atMilliseconds: Int) {
        self.room = room
        self.route = route
        self.agent = agent
        self.waitedMilliseconds = waitedMilliseconds
        self.atMilliseconds = atMilliseconds
    }

    /// An entry as `commit.lua` writes it: `<room>:<route>:<agent>:<waited ms or -1>:<ms>`; nil when malformed.
    public init?(entry: String) {
        let parts = entry.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 5, !parts[0].isEmpty, !parts[1].isEmpty, let agent = Int(parts[2]), let waited = Int(parts[3]),
              let at = Int(parts[4]) else { return nil }
        self.init(room: String(parts[0]), route: String(parts[1]), agent: agent,
                  waitedMilliseconds: waited >= 0 ? waited : nil, atMilliseconds: at)
    }

    enum CodingKeys: String, CodingKey {
        case room = "room_id"
        case route, agent
        case waitedMilliseconds = "waited_ms"
        case atMilliseconds = "at_ms"
    }
}
