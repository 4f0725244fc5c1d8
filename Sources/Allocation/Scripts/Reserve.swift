/// `lua/reserve.lua`, THE allocation step: picks an agent under its limit for a room this token holds and
/// counts the room against it, at once inside Redis. Load, limit override and pause are one per agent across
/// every route.
public struct Reserve: AllocationScript {
    public enum Code: Int, CaseIterable, Sendable {
        /// an agent was reserved
        case reserved = 1
        /// the room kept its reservation: the same agent again, counted once
        case alreadyReserved = 2
        /// the room is assigned already
        case alreadyAssigned = 3
        /// every candidate is at its limit or paused
        case noCapacity = 0
    }

    /// What the reservation answered.
    public struct Outcome: Sendable, Equatable {
        public let code: Code
        /// The agent reserved (or already held / assigned).
        public let agent: Int?
        /// Our count of rooms for the agent after the call.
        public let load: Int?
        /// The agent came from the room's overflow route.
        public let overflow: Bool
    }

    public static let name = "reserve"
    public static let keys: [Keyspace.Name] = [.state, .owner, .agent, .load, .touched, .freed, .limit, .paused, .queue]
    /// The most candidates one call takes.
    public static let maxCandidates = 500

    public var room: String
    public var token: String
    /// `MAX_CUSTOMERS_PER_AGENT`: the limit of a candidate without one of its own.
    public var limit: Int
    public var strategy: AllocationStrategy
    /// Our releases of an agent within it are subtracted from Qiscus's lagging count (0 turns that off).
    public var releaseWindowMilliseconds: Int
    /// Online agents of the room's own route, in the API's order, each with the limit its routes give it.
    public var candidates: [AgentCandidate]
    /// Online agents of the room's overflow route (not among ``candidates``): taken only when no own candidate
    /// has room and nobody waits in ``overflowRoute``.
    public var overflow: [AgentCandidate]
    /// The route whose agents ``overflow`` lists.
    public var overflowRoute: String?

    public init(room: String, token: String, limit: Int, strategy: AllocationStrategy = .leastLoaded,
                releaseWindowMilliseconds: Int = 0, candidates: [AgentCandidate], overflow: [AgentCandidate] = [],
                overflowRoute: String? = nil) {
        self.room = room
        self.token = token
        self.limit = limit
        self.strategy = strategy
        self.releaseWindowMilliseconds = releaseWindowMilliseconds
        self.candidates = candidates
        self.overflow = overflowRoute == nil ? [] : overflow
        self.overflowRoute = overflowRoute
    }

    public func keys(in keyspace: Keyspace) -> [String] { keys(in: keyspace, queueOf: overflowRoute ?? Keyspace.defaultRoute) }

    public func arguments(wakeCap: Int) -> [String] {
        let own = candidates.prefix(Self.maxCandidates)
        let others = overflow.prefix(Self.maxCandidates - own.count)
        var arguments = [room, token, strategy.rawValue, String(own.count), String(releaseWindowMilliseconds)]
        arguments.reserveCapacity(5 + (own.count + others.count) * 3)
        for candidate in own + others {
            arguments.append(String(candidate.id))
            arguments.append(String(candidate.reportedLoad))
            arguments.append(String(candidate.limit ?? limit))
        }
        return arguments
    }

    public static func outcome(of reply: ScriptReply<Code>) -> Outcome {
        Outcome(code: reply.code, agent: Int(reply.string(0)), load: reply.int(1), overflow: reply.int(2) == 1)
    }
}
