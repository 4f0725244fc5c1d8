/// `lua/rollback.lua`: a worker gives a held room up; its reservation (if any) is freed and the room goes
/// back to the head of the queue or to the dead set.
public struct Rollback: AllocationScript {
    public enum Code: Int, CaseIterable, Sendable {
        /// back at the head of the queue
        case requeued = 1
        /// in the dead set with its reason
        case dead = 2
    }

    public static let name = "rollback"
    public static let keys: [Keyspace.Name] = [
        .queue, .state, .lease, .owner, .agent, .load, .dead, .reason, .wake, .since, .routes,
    ]

    public var room: String
    public var token: String
    /// The agent reserved for the room, or nil when none was.
    public var agent: Int?
    public var disposition: RoomDisposition
    /// The route the room was claimed from: a requeued room goes back to its queue.
    public var route: String

    public init(room: String, token: String, agent: Int?, to disposition: RoomDisposition,
                route: String = Keyspace.defaultRoute) {
        self.room = room
        self.token = token
        self.agent = agent
        self.disposition = disposition
        self.route = route
    }

    public func keys(in keyspace: Keyspace) -> [String] { keys(in: keyspace, queueOf: route) }

    public func arguments(wakeCap: Int) -> [String] {
        let (mode, reason): (String, String) = switch disposition {
        case .requeue: ("requeue", "")
        case .dead(let reason): ("dead", Self.clipped(reason))
        }
        return [room, token, agent.map { String($0) } ?? "", mode, reason, String(wakeCap), route]
    }

    /// What the rollback answered (it has no values).
    public struct Outcome: Sendable, Equatable {
        public let code: Code
    }

    public static func outcome(of reply: ScriptReply<Code>) -> Outcome { Outcome(code: reply.code) }

    /// The reason cut to at most 500 UTF-8 bytes at a character boundary (the script takes 512).
    static func clipped(_ reason: String) -> String {
        var text = Substring(reason)
        while text.utf8.count > 500 { text = text.dropLast() }
        return String(text)
    }
}
