/// `lua/claim.lua`: pops the room waiting longest among the given routes' queues and leases it to one worker,
/// in one step.
public struct Claim: AllocationScript {
    public enum Code: Int, CaseIterable, Sendable {
        /// the head room is leased to the caller
        case claimed = 1
        /// nothing is queued
        case empty = 0
        /// the head was not in state q and was dropped; call again
        case droppedOrphan = 2
    }

    /// What the claim answered.
    public struct Outcome: Sendable, Equatable {
        public let code: Code
        /// The claimed (or dropped) room.
        public let room: String?
        /// The claimed room's session key.
        public let session: String?
        /// The agent the room kept reserved from an earlier lease, if any.
        public let reservedAgent: Int?
        /// Rooms still queued in the claimed room's route after this claim.
        public let remaining: Int?
        /// The claimed room's route.
        public let route: String?
        /// How long the claimed room has waited since it arrived (ms, Redis clock).
        public let waitedMilliseconds: Int?
    }

    public static let name = "claim"
    public static let keys: [Keyspace.Name] = [.state, .session, .lease, .owner, .agent, .wake, .route]

    /// Unique per claim attempt: it owns the lease.
    public var token: String
    public var leaseMilliseconds: Int
    /// The caller was not woken by a token: the room's `q` token is taken off the wake list.
    public var consumesWakeToken: Bool
    /// The routes to claim from (1 to 64): the oldest head among their queues is claimed.
    public var routes: [String]

    public init(token: String, leaseMilliseconds: Int, consumesWakeToken: Bool = false,
                routes: [String] = [Keyspace.defaultRoute]) {
        self.token = token
        self.leaseMilliseconds = leaseMilliseconds
        self.consumesWakeToken = consumesWakeToken
        self.routes = routes
    }

    public func keys(in keyspace: Keyspace) -> [String] {
        Self.keys.map { keyspace[$0] } + routes.map { keyspace.queue(route: $0) }
    }

    public func arguments(wakeCap: Int) -> [String] {
        [token, String(leaseMilliseconds), consumesWakeToken ? "1" : "0"] + routes
    }

    public static func outcome(of reply: ScriptReply<Code>) -> Outcome {
        switch reply.code {
        case .empty:
            return Outcome(code: .empty, room: nil, session: nil, reservedAgent: nil, remaining: nil, route: nil,
                           waitedMilliseconds: nil)
        case .droppedOrphan:
            return Outcome(code: .droppedOrphan, room: reply.string(0), session: nil, reservedAgent: nil, remaining: nil,
                           route: nil, waitedMilliseconds: nil)
        case .claimed:
            return Outcome(code: .claimed, room: reply.string(0), session: reply.string(1),
                           reservedAgent: Int(reply.string(2)), remaining: reply.int(3), route: reply.string(4),
                           waitedMilliseconds: reply.int(5))
        }
    }
}
