/// `lua/commit.lua`: after a successful assign call the reservation becomes the room's assignment and the
/// lease ends. A lost lease (thrown) must NOT be rolled back: the next claimer repeats the same assign call.
public struct Commit: AllocationScript {
    public enum Code: Int, CaseIterable, Sendable {
        /// the reservation is now the assignment
        case committed = 1
        /// assigned to this agent already
        case alreadyCommitted = 2
    }

    /// What the commit answered.
    public struct Outcome: Sendable, Equatable {
        public let code: Code
        /// Milliseconds from the room's queueing to its commit (Redis clock), when known.
        public let waitedMilliseconds: Int?
    }

    public static let name = "commit"
    public static let keys: [Keyspace.Name] = [.state, .lease, .owner, .agent, .since, .assigned, .route, .served, .stats, .recent]

    public var room: String
    public var token: String
    public var agent: Int
    /// The room's route (from its claim), whose minute ring counts it.
    public var route: String

    public init(room: String, token: String, agent: Int, route: String = Keyspace.defaultRoute) {
        self.room = room
        self.token = token
        self.agent = agent
        self.route = route
    }

    public func keys(in keyspace: Keyspace) -> [String] {
        Self.keys.map { $0 == .stats ? keyspace.stats(route: route) : keyspace[$0] }
    }

    public func arguments(wakeCap: Int) -> [String] { [room, token, String(agent), route] }

    public static func outcome(of reply: ScriptReply<Code>) -> Outcome {
        Outcome(code: reply.code, waitedMilliseconds: reply.int(0).flatMap { $0 >= 0 ? $0 : nil })
    }
}
