/// `lua/override.lua`: an agent's own limit and pause (admin API), read by `reserve.lua` on every reservation.
public struct Override: AllocationScript {
    public enum Code: Int, CaseIterable, Sendable {
        /// the change is stored
        case stored = 1
    }

    /// A change of the limit override.
    public enum LimitChange: Sendable, Equatable {
        case keep
        case clear
        case set(Int)
    }

    public static let name = "override"
    public static let keys: [Keyspace.Name] = [.limit, .paused, .wake]

    public var agent: Int
    public var limit: LimitChange
    /// nil keeps the pause as it is.
    public var paused: Bool?

    public init(agent: Int, limit: LimitChange = .keep, paused: Bool? = nil) {
        self.agent = agent
        self.limit = limit
        self.paused = paused
    }

    public func arguments(wakeCap: Int) -> [String] {
        let limit = switch limit {
        case .keep: ""
        case .clear: "clear"
        case .set(let value): String(value)
        }
        return [String(agent), limit, paused.map { $0 ? "1" : "0" } ?? "", String(wakeCap)]
    }

    /// What is stored for the agent after the change.
    public struct Outcome: Sendable, Equatable {
        public let code: Code
        /// The agent's own limit, if it has one.
        public let limit: Int?
        public let paused: Bool
    }

    public static func outcome(of reply: ScriptReply<Code>) -> Outcome {
        Outcome(code: reply.code, limit: Int(reply.string(0)), paused: reply.string(1) == "1")
    }
}
