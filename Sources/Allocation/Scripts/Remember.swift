/// `lua/remember.lua`: stores what a listing said about agents (their cards) and when it showed them online,
/// so the admin API can name agents, offline ones too.
public struct Remember: AllocationScript {
    public enum Code: Int, CaseIterable, Sendable {
        /// the cards and times are stored
        case remembered = 1
    }

    public static let name = "remember"
    public static let keys: [Keyspace.Name] = [.agents, .seen]
    /// The most agents one call takes.
    public static let maxAgents = 500

    /// Agent id and card (JSON, at most 2048 bytes; empty keeps the stored card and only marks the agent seen).
    public var cards: [(agent: Int, card: String)]

    public init(cards: [(agent: Int, card: String)]) {
        precondition(cards.count <= Self.maxAgents, "at most \(Self.maxAgents) agents per call")
        self.cards = cards
    }

    public func arguments(wakeCap: Int) -> [String] { cards.flatMap { [String($0.agent), $0.card] } }

    /// How many agents were stored.
    public struct Outcome: Sendable, Equatable {
        public let code: Code
        public let agents: Int
    }

    public static func outcome(of reply: ScriptReply<Code>) -> Outcome { Outcome(code: reply.code, agents: reply.int(0) ?? 0) }
}
