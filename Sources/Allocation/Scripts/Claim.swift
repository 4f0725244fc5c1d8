/// `lua/claim.lua`: pops the head of the queue and leases it to one worker, in one step.
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
        /// Rooms still queued after this claim.
        public let remaining: Int?
    }

    public static let name = "claim"
    public static let keys: [Keyspace.Name] = [.queue, .state, .session, .lease, .owner, .agent, .wake]

    /// Unique per claim attempt: it owns the lease.
    public var token: String
    public var leaseMilliseconds: Int
    /// The caller was not woken by a token: the room's `q` token is taken off the wake list.
    public var consumesWakeToken: Bool

    public init(token: String, leaseMilliseconds: Int, consumesWakeToken: Bool = false) {
        self.token = token
        self.leaseMilliseconds = leaseMilliseconds
        self.consumesWakeToken = consumesWakeToken
    }

    public func arguments(wakeCap: Int) -> [String] { [token, String(leaseMilliseconds), consumesWakeToken ? "1" : "0"] }

    public static func outcome(of reply: ScriptReply<Code>) -> Outcome {
        switch reply.code {
        case .empty:
            return Outcome(code: .empty, room: nil, session: nil, reservedAgent: nil, remaining: nil)
        case .droppedOrphan:
            return Outcome(code: .droppedOrphan, room: reply.string(0), session: nil, reservedAgent: nil, remaining: nil)
        case .claimed:
            return Outcome(code: .claimed, room: reply.string(0), session: reply.string(1),
                           reservedAgent: Int(reply.string(2)), remaining: reply.int(3))
        }
    }
}
