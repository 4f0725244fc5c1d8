/// `lua/release.lua`: the room was resolved; frees the slot of the agent we assigned and forgets the room
/// (idempotent).
public struct Release: AllocationScript {
    public enum Code: Int, CaseIterable, Sendable {
        /// the room was assigned; its agent's slot is free
        case released = 1
        /// the room was waiting and is gone
        case dequeued = 2
        /// a worker held the room; its lease is void
        case dequeuedInFlight = 3
        /// the room was in the dead set and is gone
        case deadRemoved = 4
        /// the resolve is of the session before the one held (a late webhook): nothing changed
        case staleSession = 5
        /// nothing was recorded for the room
        case unknown = 0
    }

    /// What the release answered.
    public struct Outcome: Sendable, Equatable {
        public let code: Code
        /// The agent whose slot was freed, if any.
        public let agent: Int?
    }

    public static let name = "release"
    public static let keys: [Keyspace.Name] = [
        .queue, .state, .session, .lease, .owner, .agent, .load, .dead, .reason, .wake, .since,
        .assigned, .freed, .route, .tombstones,
    ]
    public static let takesEveryRoute = true

    public var room: String
    /// Raises the room's session tombstone, so late webhooks of that session are stale.
    public var sessionFloor: String?

    public init(room: String, sessionFloor: String? = nil) {
        self.room = room
        self.sessionFloor = sessionFloor
    }

    public func arguments(wakeCap: Int) -> [String] { [room, sessionFloor ?? "", String(wakeCap)] }

    public static func outcome(of reply: ScriptReply<Code>) -> Outcome {
        Outcome(code: reply.code, agent: Int(reply.string(0)))
    }
}
