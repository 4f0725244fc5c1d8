/// `lua/enqueue.lua`: puts a room at the tail of the FIFO queue, once per customer session.
public struct Enqueue: AllocationScript {
    public enum Code: Int, CaseIterable, Sendable {
        /// now at the tail of the queue (new room, or a dead room whose customer wrote again)
        case queued = 1
        /// an assigned room started a newer session: the old slot was freed and the room queued
        case queuedNewSession = 2
        /// already queued or in flight
        case duplicate = 3
        /// assigned for this very session
        case alreadyAssigned = 4
        /// the session is older than the one recorded
        case stale = 5
    }

    public static let name = "enqueue"
    public static let keys: [Keyspace.Name] = [
        .queue, .state, .session, .agent, .load, .dead, .reason, .wake, .since, .assigned, .route, .routes, .tombstones,
    ]

    public var room: String
    /// The customer session key (see `AllocationWebhook.sessionKey`).
    public var session: String

    /// The route the webhook matched; the room keeps it for the session.
    public var route: String

    public init(room: String, session: String, route: String = Keyspace.defaultRoute) {
        self.room = room
        self.session = session
        self.route = route
    }

    public func keys(in keyspace: Keyspace) -> [String] { keys(in: keyspace, queueOf: route) }

    public func arguments(wakeCap: Int) -> [String] { [room, session, String(wakeCap), route] }

    /// What the enqueue answered (it has no values).
    public struct Outcome: Sendable, Equatable {
        public let code: Code
    }

    public static func outcome(of reply: ScriptReply<Code>) -> Outcome { Outcome(code: reply.code) }
}
