/// `lua/reconcile.lua`: forgets assigned rooms of agents whose Qiscus count is below our books (lost resolve
/// webhooks, agents gone offline), for agents not reserved during the last `settleMilliseconds`.
public struct Reconcile: AllocationScript {
    public enum Code: Int, CaseIterable, Sendable {
        /// rooms were forgotten
        case healed = 1
        /// nothing to heal
        case none = 0
    }

    public static let name = "reconcile"
    public static let keys: [Keyspace.Name] = [.state, .session, .agent, .load, .touched, .assigned, .wake, .route, .tombstones]
    /// The most agents one call takes.
    public static let maxAgents = 500

    /// Qiscus's count of active customers by agent id.
    public var counts: [Int: Int]
    public var settleMilliseconds: Int

    public init(counts: [Int: Int], settleMilliseconds: Int) {
        self.counts = counts
        self.settleMilliseconds = settleMilliseconds
    }

    public func arguments(wakeCap: Int) -> [String] {
        var arguments = [String(settleMilliseconds), String(wakeCap)]
        for (agent, count) in counts.sorted(by: { $0.key < $1.key }).prefix(Self.maxAgents) {
            arguments.append(String(agent))
            arguments.append(String(count))
        }
        return arguments
    }

    /// A room forgotten and the agent it was counted against.
    public struct Forgotten: Sendable, Equatable {
        public let agent: Int
        public let room: String
    }

    /// What the reconciliation answered.
    public struct Outcome: Sendable, Equatable {
        public let code: Code
        /// The rooms forgotten.
        public let forgotten: [Forgotten]
    }

    public static func outcome(of reply: ScriptReply<Code>) -> Outcome {
        Outcome(code: reply.code, forgotten: stride(from: 0, to: reply.values.count - 1, by: 2).compactMap { index in
            Int(reply.string(index)).map { Forgotten(agent: $0, room: reply.string(index + 1)) }
        })
    }
}
