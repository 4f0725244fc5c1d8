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
    public static let keys: [Keyspace.Name] = [.state, .lease, .owner, .agent, .since, .assigned, .route, .served]

    public var room: String
    public var token: String
    public var agent: Int

    public init(room: String, token: String, agent: Int) {
        self.room = room
        self.token = token
        self.agent = agent
    }

    public func arguments(wakeCap: Int) -> [String] { [room, token, String(agent)] }

    public static func outcome(of reply: ScriptReply<Code>) -> Outcome {
        Outcome(code: reply.code, waitedMilliseconds: reply.int(0).flatMap { $0 >= 0 ? $0 : nil })
    }
}
