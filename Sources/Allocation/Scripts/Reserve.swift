/// `lua/reserve.lua`, THE allocation step: picks an agent under the limit for a room this token holds and
/// counts the room against it, at once inside Redis.
public struct Reserve: AllocationScript {
    public enum Code: Int, CaseIterable, Sendable {
        /// an agent was reserved
        case reserved = 1
        /// the room kept its reservation: the same agent again, counted once
        case alreadyReserved = 2
        /// the room is assigned already
        case alreadyAssigned = 3
        /// every candidate is at the limit
        case noCapacity = 0
    }

    /// What the reservation answered.
    public struct Outcome: Sendable, Equatable {
        public let code: Code
        /// The agent reserved (or already held / assigned).
        public let agent: Int?
        /// Our count of rooms for the agent after the call.
        public let load: Int?
    }

    public static let name = "reserve"
    public static let keys: [Keyspace.Name] = [.state, .owner, .agent, .load, .touched, .freed]
    /// The most candidates one call takes.
    public static let maxCandidates = 500

    public var room: String
    public var token: String
    /// `MAX_CUSTOMERS_PER_AGENT`.
    public var limit: Int
    public var strategy: AllocationStrategy
    /// Our releases of an agent within it are subtracted from Qiscus's lagging count (0 turns that off).
    public var releaseWindowMilliseconds: Int
    /// Online agents in the API's order (the first ``maxCandidates`` are passed).
    public var candidates: [AgentCandidate]

    public init(room: String, token: String, limit: Int, strategy: AllocationStrategy = .leastLoaded,
                releaseWindowMilliseconds: Int = 0, candidates: [AgentCandidate]) {
        self.room = room
        self.token = token
        self.limit = limit
        self.strategy = strategy
        self.releaseWindowMilliseconds = releaseWindowMilliseconds
        self.candidates = candidates
    }

    public func arguments(wakeCap: Int) -> [String] {
        var arguments = [room, token, String(limit), strategy.rawValue, String(releaseWindowMilliseconds)]
        arguments.reserveCapacity(5 + min(candidates.count, Self.maxCandidates) * 2)
        for candidate in candidates.prefix(Self.maxCandidates) {
            arguments.append(String(candidate.id))
            arguments.append(String(candidate.reportedLoad))
        }
        return arguments
    }

    public static func outcome(of reply: ScriptReply<Code>) -> Outcome {
        Outcome(code: reply.code, agent: Int(reply.string(0)), load: reply.int(1))
    }
}
